"""Return reminders: before the due date, overdue escalation, downtime, permissions,
locks, and two schedulers racing. A controllable ``now``; real SMTP server."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.db import db
from miniapps.models import Organisation, OutboxMessage
from miniapps.scheduler import JOBS, OnceResult, SchedulerProcess
from miniapps.scheduler.reminders import return_reminders
from miniapps.services import users as user_service
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.organisations import upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns import tracking as returns_service
from miniapps.services.returns.reminders import ReminderReport, queue_reminders
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NORTH_SURGERY_TREE
from tests.publishing import publish_app
from tests.sample_definitions import MONTHLY_RETURN as MONTHLY

BASE = "https://miniapps.example.nhs.uk"
PM, STAFF, PCN = "pm@example.nhs.uk", "staff@example.nhs.uk", "pcn@example.nhs.uk"

# Targets count from their start: these tests simulate 2025.
TARGETED_FROM = date(2025, 1, 1)


def may(day: int) -> datetime:
    return datetime(2025, 5, day, 9, 0, tzinfo=UTC)


def publish(session: Session, targets, **changes):
    return publish_app(session, {**MONTHLY, **changes}, targets, since=TARGETED_FROM)


@pytest.fixture
def monthly(db_session, orgs, users):
    return publish(db_session, [orgs["U00001"]])  # North PCN: A00001 and A00002


def run(session: Session, now: datetime) -> set[tuple[str, str]]:
    """Run the reminders at ``now``; the (key without the user, address) pairs queued."""
    before = set(session.scalars(select(OutboxMessage.id)))
    queue_reminders(session, now, base_url=BASE)
    session.flush()
    new = session.scalars(select(OutboxMessage).where(OutboxMessage.id.not_in(before)))
    return {((m.dedupe_key or "").rsplit(":user:", 1)[0], m.to_address) for m in new}


def _reminders(outcome: OnceResult) -> ReminderReport:
    """What the reminders job reported in one scheduler run."""
    report = outcome.results["return_reminders"]
    assert isinstance(report, ReminderReport)
    return report


def all_queued(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [((m.dedupe_key or "").rsplit(":user:", 1)[0], m.to_address) for m in rows]


def test_the_job_is_registered_hourly():
    job = JOBS["return_reminders"]
    assert job.run is return_reminders
    assert job.every.total_seconds() == 3600


def test_reminded_5_and_1_days_before_then_escalated_each_once(db_session, monthly):
    key = "reminder:monthly_return:A00001:2025-04"
    assert run(db_session, may(4)) == set()
    assert run(db_session, may(5)) == {(f"{key}:before:5", PM), (f"{key}:before:5", STAFF)}
    assert run(db_session, may(5)) == set()  # the same hour again
    assert run(db_session, may(8)) == set()
    assert run(db_session, may(9)) == {(f"{key}:before:1", PM), (f"{key}:before:1", STAFF)}
    assert run(db_session, may(9)) == set()
    assert run(db_session, may(10)) == set()
    assert run(db_session, may(13)) == set()  # due, but still within the grace days
    # Overdue: the PCN manager above each practice (A00002 has no users of its own).
    assert run(db_session, may(14)) == {
        ("overdue:monthly_return:A00001:2025-04", PCN),
        ("overdue:monthly_return:A00002:2025-04", PCN),
    }
    assert run(db_session, may(15)) == set()
    # May's return in its turn (its 1-day reminder late, on 14 June); April is not repeated.
    june = "reminder:monthly_return:A00001:2025-05:before:1"
    assert run(db_session, datetime(2025, 6, 14, tzinfo=UTC)) == {
        (june, PM),
        (june, STAFF),
        ("overdue:monthly_return:A00001:2025-05", PCN),
        ("overdue:monthly_return:A00002:2025-05", PCN),
    }
    # Never to the ICB viewer, the admin, or the manager of a practice in another PCN.
    addresses = {address for _, address in all_queued(db_session)}
    assert addresses == {PM, STAFF, PCN}


def test_downtime_sends_the_latest_reminder_and_the_escalation_once(db_session, monthly):
    assert run(db_session, may(4)) == set()
    # The scheduler was down for ten days: 5 days before is superseded, 1 day before is
    # sent late (once, saying when it was due), and the escalation is sent.
    key = "reminder:monthly_return:A00001:2025-04"
    assert run(db_session, may(14)) == {
        (f"{key}:before:1", PM),
        (f"{key}:before:1", STAFF),
        ("overdue:monthly_return:A00001:2025-04", PCN),
        ("overdue:monthly_return:A00002:2025-04", PCN),
    }
    assert run(db_session, may(14)) == set()
    assert run(db_session, may(20)) == set()
    late = db_session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == PM))
    assert late.subject == "Reminder: Monthly return for April 2025 was due on 10 May 2025"


def test_nothing_for_submitted_returns(db_session, users, orgs, monthly):
    staff = users["practice_staff"]
    record_service.create_record(
        db_session,
        Access(staff),
        monthly,
        orgs["A00001"],
        {"count": 1},
        period="2025-04",
        submit=True,
        actor=staff,
    )
    assert run(db_session, may(5)) == set()
    assert run(db_session, may(14)) == {("overdue:monthly_return:A00002:2025-04", PCN)}


def test_a_draft_is_still_reminded(db_session, users, orgs, monthly):
    staff = users["practice_staff"]
    record_service.create_record(
        db_session,
        Access(staff),
        monthly,
        orgs["A00001"],
        {"count": 1},
        period="2025-04",
        actor=staff,
    )
    assert len(run(db_session, may(5))) == 2


def test_nothing_for_locked_periods(db_session, users, orgs, monthly):
    manager = users["pcn_manager"]
    returns_service.lock_period(
        db_session, Access(manager), monthly, orgs["U00001"], "2025-04", manager
    )
    assert run(db_session, may(5)) == set()
    assert run(db_session, may(14)) == set()


def test_declared_reminders_only_reach_who_may_see_the_practice(db_session, users, orgs):
    to = ["practice_manager", "practice_staff", "icb_viewer", "stakeholder", "submitter"]
    app = publish(
        db_session,
        [orgs["QWE"]],
        permissions={"read": ["practice_manager", "pcn_manager"]},
        reminders=[{"before_due_days": 2, "to": to}, {"after_due_days": 7, "to": to}],
    )
    users["practice_manager_2"].active = False
    db_session.flush()
    key = f"reminder:{app.id}:A00001:2025-04"
    assert run(db_session, may(5)) == set()  # declared reminders replace the defaults
    # Staff and the ICB viewer may not read this app's records; stakeholders never do.
    assert run(db_session, may(8)) == {(f"{key}:before:2", PM)}
    escalated = run(db_session, may(17))
    assert {a for k, a in escalated if k.startswith("overdue:")} == {PCN}  # North PCN only
    assert {(k, a) for k, a in escalated if k.startswith("reminder:")} == {(f"{key}:after:7", PM)}
    assert run(db_session, may(17)) == set()


def test_impossible_offsets_are_rejected():
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(
            {
                **MONTHLY,
                "period": {"frequency": "weekly", "due_day": 2},
                "reminders": [
                    {"before_due_days": 8, "to": ["practice_manager"]},
                    {"before_due_days": 9, "to": ["practice_manager"]},
                ],
            }
        )
    assert [i.pointer for i in caught.value.issues] == ["/reminders/1/before_due_days"]


def test_reminders_are_delivered_by_smtp(app, db_session, monthly, smtp_server):
    run(db_session, may(14))
    db_session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    report = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))
    assert report.sent == 4
    emails = smtp_server.wait_for(4)
    reminder = next(m for m in emails if m["To"] == STAFF)
    text = reminder.get_body(("plain",)).get_content()
    assert "North Surgery (A00001)" in text
    assert "It was due on 10 May 2025" in text
    assert f"{BASE}/apps/monthly_return/new?period=2025-04&org=A00001" in text
    overdue = [m for m in emails if m["To"] == PCN]
    assert sorted(m["Subject"] for m in overdue) == [
        "Overdue: Monthly return for April 2025 from Hill Surgery",
        "Overdue: Monthly return for April 2025 from North Surgery",
    ]
    html = overdue[0].get_body(("html",)).get_content()
    assert f"{BASE}/apps/monthly_return/returns?org=" in html
    # Identification and a link only: no record data, no comments.
    assert "count" not in text.lower()


# Two schedulers on one committed database -------------------------------------------


def _seed(app: Flask) -> None:
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        session.flush()
        found = {o.ods: o for o in session.scalars(select(Organisation))}
        for email, role, ods in [
            (PM, "practice_manager", "A00001"),
            (STAFF, "practice_staff", "A00001"),
            (PCN, "pcn_manager", "U00001"),
        ]:
            user_service.create_user(session, email, role, None, role, found[ods])
        publish(session, [found["U00001"]])


def test_two_schedulers_racing_queue_each_reminder_once(shared_app, smtp_server):
    _seed(shared_app)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait()
            return_reminders(shared_app, may(9))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction(shared_app) as session:
        assert sorted(all_queued(session)) == [
            ("reminder:monthly_return:A00001:2025-04:before:1", PM),
            ("reminder:monthly_return:A00001:2025-04:before:1", STAFF),
        ]
    # A cron-style scheduler run later queues nothing more; the outbox delivers them.
    outcome = SchedulerProcess(shared_app, clock=lambda: may(9)).run_once()
    assert outcome.errors == {}
    assert _reminders(outcome).queued == 0
    config = SmtpConfig.from_config(shared_app.config)
    assert deliver_due(lambda: db.new_session(shared_app), config, datetime.now(UTC)).sent == 2
    assert sorted(m["To"] for m in smtp_server.wait_for(2)) == [PM, STAFF]
    # After a restart, days late: the escalation only, once.
    again = SchedulerProcess(shared_app, clock=lambda: may(20)).run_once()
    assert _reminders(again).escalations == 1
    last = SchedulerProcess(shared_app, clock=lambda: may(21)).run_once()
    assert _reminders(last).queued == 0
    assert deliver_due(lambda: db.new_session(shared_app), config, datetime.now(UTC)).sent == 1
    assert [m["To"] for m in smtp_server.wait_for(3)][2:] == [PCN]
