"""Daily digests: held for digest users, sent once a day through a real SMTP server,
re-checked for permission, exactly once with racing schedulers; urgent mail bypasses."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import HeldNotification, Membership, Organisation, OutboxMessage
from miniapps.scheduler import JOBS, SchedulerProcess
from miniapps.scheduler.digests import daily_digest
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.notifications.digests import DigestReport, digest_day, queue_digests
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.preferences import save_preferences
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.organisations import upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns.reminders import queue_reminders
from sqlalchemy import delete, select

from tests.conftest import NORTH_SURGERY_TREE
from tests.sample_definitions import MONTHLY_RETURN

BASE = "https://miniapps.example.nhs.uk"
LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """Held items are stamped with the real time: a digest includes those up to now."""
    return datetime.now(UTC)


PM, STAFF, PCN = "pm@example.nhs.uk", "staff@example.nhs.uk", "pcn@example.nhs.uk"


def submit_reading(db_session, users, orgs, app):
    staff = users["practice_staff"]
    return record_service.create_record(
        db_session,
        Access(staff),
        app,
        orgs["A00001"],
        {"reading": 5.0},
        submit=True,
        actor=staff,
        notify_base_url=BASE,
    )


def deliver(app, smtp_server):
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    return deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))


def test_the_job_is_registered_hourly():
    assert JOBS["daily_digest"].run is daily_digest
    assert JOBS["daily_digest"].every.total_seconds() == 3600


def test_digest_day_is_today_from_the_send_hour_in_uk_time():
    london = LONDON
    # 06:30 UTC on 12 May is 07:30 BST: today's digest is due.
    assert digest_day(datetime(2025, 5, 12, 6, 30, tzinfo=UTC), 7, london) == date(2025, 5, 12)
    # 05:30 UTC is 06:30 BST: not yet, so yesterday's (made up if it was missed).
    assert digest_day(datetime(2025, 5, 12, 5, 30, tzinfo=UTC), 7, london) == date(2025, 5, 11)


def test_digest_users_wait_for_one_daily_email_immediate_users_do_not(
    app, db_session, users, orgs, fridge_app, smtp_server
):
    users["pcn_manager"].notification_delivery = "digest"
    record = submit_reading(db_session, users, orgs, fridge_app)
    db_session.commit()

    assert deliver(app, smtp_server).sent == 1  # the practice manager's, at once
    assert smtp_server.wait_for(1)[0]["To"] == PM
    [held] = db_session.scalars(select(HeldNotification)).all()
    assert (held.user_id, held.status) == (users["pcn_manager"].id, "held")

    report = queue_digests(db_session, now(), day=date(2025, 5, 12), base_url=BASE)
    db_session.commit()
    assert (report.digests, report.items) == (1, 1)
    assert deliver(app, smtp_server).sent == 1
    digest = smtp_server.wait_for(2)[1]
    assert digest["To"] == PCN
    assert digest["Subject"] == "Your daily summary for 12 May 2025: 1 update"  # the day given
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    link = f"{BASE}/apps/fridge_log/records/{record.id}"
    assert "Vaccine fridge log from North Surgery is waiting for approval" in text
    assert link in text and f'href="{link}"' in html
    assert f"{BASE}/account/notifications" in text
    assert "5.0" not in text and "5.0" not in html  # record data never goes into an email
    db_session.refresh(held)
    assert held.status == "sent" and held.digest_message_id is not None

    # Later the same day: nothing more, even with a new item (it waits for tomorrow).
    submit_reading(db_session, users, orgs, fridge_app)
    assert queue_digests(db_session, now(), day=date(2025, 5, 12), base_url=BASE).digests == 0
    tomorrow = queue_digests(db_session, now(), day=date(2025, 5, 13), base_url=BASE)
    assert (tomorrow.digests, tomorrow.items) == (1, 1)


def test_an_app_can_override_the_default(db_session, users, orgs, fridge_app):
    manager = users["practice_manager"]
    save_preferences(db_session, manager, "digest", {"fridge_log": "immediate"}, ["fridge_log"])
    users["pcn_manager"].notification_delivery = "digest"
    submit_reading(db_session, users, orgs, fridge_app)
    assert set(db_session.scalars(select(OutboxMessage.to_address))) == {PM}
    assert [h.user_id for h in db_session.scalars(select(HeldNotification))] == [
        users["pcn_manager"].id
    ]


def test_the_digest_rechecks_what_the_recipient_may_see(db_session, users, orgs, fridge_app):
    pcn = users["pcn_manager"]
    pcn.notification_delivery = "digest"
    submit_reading(db_session, users, orgs, fridge_app)
    # Moved to the other PCN before the digest: North Surgery's record is no longer theirs.
    db_session.execute(delete(Membership).where(Membership.user_id == pcn.id))
    db_session.add(
        Membership(user_id=pcn.id, organisation_id=orgs["U00002"].id, role="pcn_manager")
    )
    db_session.flush()
    db_session.expire(pcn)

    report = queue_digests(db_session, now(), day=date(2025, 5, 12), base_url=BASE)
    assert (report.digests, report.withheld) == (0, 1)
    assert db_session.scalar(select(HeldNotification.status)) == "withheld"
    assert PCN not in set(db_session.scalars(select(OutboxMessage.to_address)))


def test_overdue_mail_is_urgent_and_bypasses_the_digest(db_session, orgs, users):
    app_service.publish(
        db_session,
        validate_definition(MONTHLY_RETURN),
        [orgs["U00001"]],
        None,
        targeted_from=date(2025, 1, 1),  # owed in the 2025 periods simulated here
    )
    for user in users.values():
        user.notification_delivery = "digest"
    queue_reminders(db_session, datetime(2025, 5, 14, 9, tzinfo=UTC), base_url=BASE)
    # The "1 day before" reminder (not urgent) is held; overdue escalations are sent.
    held = {h.dedupe_key.rsplit(":user:")[0] for h in db_session.scalars(select(HeldNotification))}
    assert held == {"reminder:monthly_return:A00001:2025-04:before:1"}
    assert set(db_session.scalars(select(OutboxMessage.to_address))) == {PCN}


# Two schedulers, one committed database ----------------------------------------------


def _seed(app) -> None:
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        session.flush()
        found = {o.ods: o for o in session.scalars(select(Organisation))}
        made = {}
        for email, role, ods in [
            (STAFF, "practice_staff", "A00001"),
            (PCN, "pcn_manager", "U00001"),
        ]:
            made[role] = user_service.create_user(session, email, role, None, role, found[ods])
        made["pcn_manager"].notification_delivery = "digest"
        definition = validate_definition(
            {
                "id": "fridge_log",
                "title": "Vaccine fridge log",
                "version": 1,
                "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
            }
        )
        published = app_service.publish(session, definition, [found["QWE"]], actor=None)
        staff = made["practice_staff"]
        record_service.create_record(
            session,
            Access(staff),
            published.app,
            found["A00001"],
            {"reading": 4},
            submit=True,
            actor=staff,
            notify_base_url=BASE,
        )


def test_two_schedulers_send_each_digest_once(shared_app, smtp_server):
    _seed(shared_app)
    at = now()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait()
            daily_digest(shared_app, at)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # A restart the same day (a cron-style run: every job, then the outbox) adds nothing.
    outcome = SchedulerProcess(shared_app, clock=lambda: at).run_once()
    assert outcome.errors == {}
    report = outcome.results["daily_digest"]
    assert isinstance(report, DigestReport) and report.digests == 0
    with db.transaction(shared_app) as session:
        keys = list(session.scalars(select(OutboxMessage.dedupe_key)))
        user_id = session.scalar(select(HeldNotification.user_id))
        assert keys == [f"digest:{digest_day(at, 7, LONDON).isoformat()}:user:{user_id}"]
    assert deliver(shared_app, smtp_server).sent == 1
    [digest] = smtp_server.wait_for(1)
    assert digest["To"] == PCN and "1 update" in digest["Subject"]
