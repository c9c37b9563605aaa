"""The ``channel_sla`` job in the scheduler: registered every 30 seconds before the outbox,
``--once`` marks a breach and delivers its emails to a real SMTP server, and two
schedulers racing mark and email each breach once. Committed data, frozen clocks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from miniapps.db import db
from miniapps.models import ChannelBreach, ChannelItem, Organisation, OutboxMessage
from miniapps.scheduler import JOBS, SchedulerProcess
from miniapps.scheduler.channel_sla import channel_sla
from miniapps.services import users as user_service
from miniapps.services.channels.breaches import BreachReport
from miniapps.services.channels.sending import send_on_events
from miniapps.services.definitions import record_definition
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import func, select

from tests.conftest import NORTH_SURGERY_TREE
from tests.fixtures_channels import STAKEHOLDERS, concern_definition
from tests.publishing import publish_app

LA, PM, PCN = "laadult@example.gov.uk", "pm@example.nhs.uk", "pcn@example.nhs.uk"
SUMMARY = "Bruising seen on the left arm at a home visit"


def send_concern_at(app: Flask, sent: datetime) -> int:
    """Seed the organisations, people and the concern app; send an adult concern at
    ``sent``; return its item's id."""
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
                *(
                    OrgRow(ods, name, "stakeholder", parent, category=category)
                    for ods, (name, category, parent) in STAKEHOLDERS.items()
                    if parent != "PLC99"
                ),
            ],
        )
        session.flush()
        found = {o.ods: o for o in session.scalars(select(Organisation))}
        people = {}
        for email, role, ods in [
            (PM, "practice_manager", "A00001"),
            ("staff@example.nhs.uk", "practice_staff", "A00001"),
            (PCN, "pcn_manager", "U00001"),
            (LA, "stakeholder", "LAADULT"),
        ]:
            people[role] = user_service.create_user(session, email, role, None, role, found[ods])
        concern_app = publish_app(session, concern_definition(), [found["QWE"]], commit=False)
        staff = people["practice_staff"]
        data = {"kind": "adult", "summary": SUMMARY}
        record = create_record(
            session, Access(staff), concern_app, found["A00001"], data, actor=staff
        )
        record.status = "sent"
        definition = record_definition(session, record)
        events = ["action:send", "state:sent", "submitted"]
        [item] = send_on_events(session, record, definition, events, staff, None, sent)
        return item.id


def acknowledge_by(app: Flask, item_id: int) -> datetime:
    with db.new_session(app) as session:
        item = session.get(ChannelItem, item_id)
        assert item is not None and item.acknowledge_by is not None
        return item.acknowledge_by.replace(tzinfo=UTC)


def breach_rows(app: Flask) -> list[tuple[str, int]]:
    with db.new_session(app) as session:
        rows = session.scalars(select(ChannelBreach).order_by(ChannelBreach.id))
        return [(row.clock, row.level) for row in rows]


def breach_emails(app: Flask) -> int:
    with db.new_session(app) as session:
        query = select(func.count()).where(OutboxMessage.dedupe_key.like("channel-breach:%"))
        return session.scalar(query) or 0


def test_the_job_runs_every_30_seconds_before_the_outbox() -> None:
    job = JOBS["channel_sla"]
    assert job.run is channel_sla
    assert job.every == timedelta(seconds=30)
    assert list(JOBS).index("channel_sla") < list(JOBS).index("outbox")


def test_once_marks_the_breach_and_delivers_its_emails(shared_app: Flask, smtp_server) -> None:
    # Sent a month from now (the outbox sends what is due by the scheduler's clock).
    item_id = send_concern_at(shared_app, datetime.now(UTC) + timedelta(days=30))
    deadline = acknowledge_by(shared_app, item_id)

    before = SchedulerProcess(shared_app, clock=lambda: deadline).run_once()
    assert before.errors == {} and before.results["channel_sla"] == BreachReport()
    assert breach_rows(shared_app) == []

    at = deadline + timedelta(seconds=30)  # the job's next run after the deadline
    outcome = SchedulerProcess(shared_app, clock=lambda: at).run_once()
    assert outcome.errors == {}
    assert outcome.results["channel_sla"] == BreachReport(breaches=1, escalations=0, emails=3)
    received = [m for m in smtp_server.wait_for(3) if m["Subject"].startswith("Overdue:")]
    assert sorted(m["To"] for m in received) == [LA, PCN, PM]
    for message in received:
        assert message["Subject"] == (
            "Overdue: Safeguarding or quality concern from North Surgery (Adult safeguarding)"
        )
        text = message.get_body(("plain",)).get_content()
        assert "was not acknowledged by 23:59 on " in text and SUMMARY not in text

    again = SchedulerProcess(shared_app, clock=lambda: at + timedelta(seconds=30)).run_once()
    assert again.results["channel_sla"] == BreachReport()
    assert breach_rows(shared_app) == [("acknowledge", 1)] and breach_emails(shared_app) == 3


def test_two_schedulers_racing_mark_and_email_each_breach_once(
    shared_app: Flask, smtp_server
) -> None:
    item_id = send_concern_at(shared_app, datetime.now(UTC) + timedelta(days=30))
    # Late enough for both levels of the acknowledge clock (pcn_manager after 24 hours).
    at = acknowledge_by(shared_app, item_id) + timedelta(hours=25)
    barrier = threading.Barrier(2)
    reports: list[BreachReport] = []
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait()
            reports.append(channel_sla(shared_app, at))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.breaches for r in reports) == 1 and sum(r.escalations for r in reports) == 1
    assert sum(r.emails for r in reports) == 4
    assert breach_rows(shared_app) == [("acknowledge", 1), ("acknowledge", 2)]
    assert breach_emails(shared_app) == 4

    outcome = SchedulerProcess(shared_app, clock=lambda: at).run_once()
    assert outcome.results["channel_sla"] == BreachReport()
    overdue = [m for m in smtp_server.wait_for(4) if m["Subject"].startswith("Overdue:")]
    assert sorted(m["To"] for m in overdue) == [LA, PCN, PCN, PM]


@pytest.fixture
def inbox(app: Flask, smtp_server, monkeypatch: pytest.MonkeyPatch):
    """The real SMTP server, wired into the test app's configuration."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    return smtp_server


def test_the_scheduler_command_once_delivers_breach_emails(
    runner, db_session, orgs, users, concern_app, stakeholder_users, inbox
) -> None:
    staff = users["practice_staff"]
    data = {"kind": "adult", "summary": SUMMARY}
    record = create_record(
        db_session, Access(staff), concern_app, orgs["A00001"], data, actor=staff
    )
    record.status = "sent"
    events = ["action:send", "state:sent", "submitted"]
    definition = record_definition(db_session, record)
    sent = datetime.now(UTC) - timedelta(days=30)  # both clocks ran out long ago
    send_on_events(db_session, record, definition, events, staff, None, sent)
    db_session.commit()

    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert "channel_sla: breaches 2, escalations 2, emails 8" in result.output
    assert "outbox: sent 8, retrying 0, failed 0" in result.output
    received = inbox.wait_for(8)
    assert sorted(m["To"] for m in received) == [LA, LA] + [PCN] * 4 + [PM, PM]
    again = runner.invoke(args=["scheduler", "--once"])
    assert "channel_sla: breaches 0, escalations 0, emails 0" in again.output
    assert len(inbox.messages) == 8
