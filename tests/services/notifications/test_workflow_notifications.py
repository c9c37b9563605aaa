"""Workflow steps email the people concerned, through the outbox and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

from miniapps.db import db
from miniapps.models import OutboxMessage
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select

BASE = "https://miniapps.example.nhs.uk"


def submit_reading(db_session, users, orgs, app, who="practice_staff", base=BASE):
    user = users[who]
    return record_service.create_record(
        db_session,
        Access(user),
        app,
        orgs["A00001"],
        {"reading": 5.0},
        submit=True,
        actor=user,
        notify_base_url=base,
    )


def queued_to(db_session) -> set[str]:
    return set(db_session.scalars(select(OutboxMessage.to_address)))


def test_submission_tells_the_approvers_who_may_see_it(db_session, users, orgs, fridge_app):
    submit_reading(db_session, users, orgs, fridge_app)
    # The practice manager and the PCN manager above the practice may approve; the
    # submitter is not told of their own act; another practice's manager cannot see it.
    assert queued_to(db_session) == {"pm@example.nhs.uk", "pcn@example.nhs.uk"}


def test_bulk_paths_without_a_base_url_send_nothing(db_session, users, orgs, fridge_app):
    submit_reading(db_session, users, orgs, fridge_app, base=None)
    assert queued_to(db_session) == set()


def test_approval_tells_the_submitter_and_is_delivered(
    app, db_session, users, orgs, fridge_app, smtp_server
):
    record = submit_reading(db_session, users, orgs, fridge_app)
    manager = users["practice_manager"]
    record_service.apply_transition(
        db_session,
        Access(manager),
        record,
        "approve",
        comment=None,
        actor=manager,
        notify_base_url=BASE,
    )
    db_session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    report = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))
    assert report.sent == 3
    by_recipient = {m["To"]: m for m in smtp_server.wait_for(3)}
    approved = by_recipient["staff@example.nhs.uk"]
    assert approved["Subject"] == "Vaccine fridge log from North Surgery: Approved"
    text = approved.get_body(("plain",)).get_content()
    assert f"{BASE}/apps/fridge_log/records/{record.id}" in text
    assert "5.0" not in text  # record data never goes into an email
    assert "waiting for approval" in by_recipient["pcn@example.nhs.uk"]["Subject"]
