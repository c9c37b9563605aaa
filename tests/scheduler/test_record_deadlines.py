"""The ``record_deadlines`` job: registered hourly before the outbox; ``--once`` emails the
practice managers once when a deadline comes within its ``remind_days_before`` and once
when it is overdue, through a real SMTP server; a second run sends nothing more; emails
carry a link, never the complaint. Committed data, a moving clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from miniapps.core.records.deadlines import add_months, deadlines_of, due_date
from miniapps.db import db
from miniapps.models import Organisation, OutboxMessage
from miniapps.scheduler import JOBS, SchedulerProcess
from miniapps.scheduler.record_deadlines import record_deadlines
from miniapps.services import users as user_service
from miniapps.services.channels.calendar import holidays
from miniapps.services.organisations import upsert_organisations
from miniapps.services.records.deadline_reminders import DeadlineReport
from sqlalchemy import func, select

from tests.conftest import NORTH_SURGERY_TREE
from tests.cqc_deadlines import complaint, complaints_definition, ensure_saf, take
from tests.publishing import publish_app

PM, STAFF = "pm@example.nhs.uk", "staff@example.nhs.uk"
SUMMARY = "The receptionist was rude on the phone about a repeat prescription."
TODAY = date.today()


def seed(app: Flask) -> dict[str, int]:
    """North Surgery's manager and staff, the complaints app and three complaints: one
    received 10 days ago and not acknowledged (overdue), one acknowledged whose holding
    letter falls due in a few days (reminded), one answered (nothing to chase)."""
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        session.flush()
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        pm = user_service.create_user(session, PM, "Pat Manager", None, "practice_manager",
                                      orgs["A00001"])  # fmt: skip
        staff = user_service.create_user(session, STAFF, "Sam Staff", None, "practice_staff",
                                         orgs["A00001"])  # fmt: skip
        ensure_saf(session)
        app_row = publish_app(session, complaints_definition(), [orgs["QWE"]], commit=False)
        north = orgs["A00001"]
        late = complaint(session, app_row, north, staff, TODAY - timedelta(days=10),
                         summary=SUMMARY)  # fmt: skip
        # Received so that the 6 months end 5 days from now.
        received = add_months(TODAY + timedelta(days=5), -6)
        waiting = complaint(session, app_row, north, staff, received)
        acknowledged = {"acknowledged_on": received.isoformat(), "discussion_offered": True}
        take(session, waiting, pm, "acknowledge", received, acknowledged)
        answered = complaint(session, app_row, north, staff, received)
        take(session, answered, pm, "acknowledge", received, acknowledged)
        response = {"response_on": TODAY.isoformat(), "outcome": "upheld", "ombudsman_named": True}
        take(session, answered, pm, "respond", TODAY, response)
        holding = deadlines_of(complaints_definition()["deadlines"])[1]
        assert 0 < (due_date(holding, received, holidays(session)) - TODAY).days <= 14
        return {"late": late.id, "waiting": waiting.id, "answered": answered.id}


def deadline_emails(app: Flask) -> list[str]:
    with db.new_session(app) as session:
        query = select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like("record-deadline:%")
        )
        return sorted(str(key).rpartition(":user:")[0] for key in session.scalars(query))


def test_the_job_runs_hourly_before_the_outbox() -> None:
    job = JOBS["record_deadlines"]
    assert job.run is record_deadlines
    assert job.every == timedelta(hours=1)
    assert list(JOBS).index("record_deadlines") < list(JOBS).index("outbox")


def test_reminder_and_overdue_emails_are_sent_once(shared_app: Flask, smtp_server) -> None:
    ids = seed(shared_app)
    now = datetime.now(UTC) + timedelta(minutes=1)

    first = SchedulerProcess(shared_app, clock=lambda: now).run_once()
    assert first.errors == {}
    assert first.results["record_deadlines"] == DeadlineReport(reminders=1, overdue=1, emails=2)
    received = smtp_server.wait_for(2)
    assert all(m["To"] == PM for m in received)
    subjects = sorted(m["Subject"].strip() for m in received)  # a folded header keeps a space
    assert subjects[0].startswith("Due on ") and "Holding letter by 6 months" in subjects[0]
    assert subjects[1] == (
        "Overdue: Complaints from North Surgery (Acknowledge within 3 working days)"
    )
    for message in received:
        text = message.get_body(("plain",)).get_content()
        assert SUMMARY not in text and "rude" not in text
        assert "/apps/cqc_complaints/records/" in text
    overdue = next(m for m in received if m["Subject"].strip().startswith("Overdue"))
    assert (
        f"/apps/cqc_complaints/records/{ids['late']}" in overdue.get_body(("plain",)).get_content()
    )
    assert deadline_emails(shared_app) == [
        f"record-deadline:{ids['late']}:acknowledge:overdue",
        f"record-deadline:{ids['waiting']}:holding_letter:reminder",
    ]

    again = SchedulerProcess(shared_app, clock=lambda: now + timedelta(hours=1)).run_once()
    assert again.results["record_deadlines"] == DeadlineReport()
    assert len(smtp_server.messages) == 2

    # Ten days on the holding letter is overdue too: one more email, once.
    later = now + timedelta(days=10)
    third = SchedulerProcess(shared_app, clock=lambda: later).run_once()
    assert third.results["record_deadlines"] == DeadlineReport(overdue=1, emails=1)
    [last] = smtp_server.wait_for(3)[2:]
    assert (
        last["Subject"].strip()
        == "Overdue: Complaints from North Surgery (Holding letter by 6 months)"
    )
    fourth = SchedulerProcess(shared_app, clock=lambda: later + timedelta(hours=1)).run_once()
    assert fourth.results["record_deadlines"] == DeadlineReport()
    with db.new_session(shared_app) as session:
        query = select(func.count()).where(OutboxMessage.dedupe_key.like("record-deadline:%"))
        assert session.scalar(query) == 3
    assert len(smtp_server.messages) == 3
