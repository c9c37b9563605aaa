"""The ``follow_up_chasers`` job: overdue open actions are chased by email (a link, never
the action's text) to their owner when the owner is a user of the organisation, and to
its practice managers; once per ``chase_every_days``, until done. Committed data, a
real SMTP server, the scheduler's clock moved forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from miniapps.db import db
from miniapps.models import FollowUp, Organisation
from miniapps.scheduler import JOBS, SchedulerProcess
from miniapps.scheduler.follow_up_chasers import follow_up_chasers
from miniapps.services import users as user_service
from miniapps.services.follow_ups.actions import close_follow_up
from miniapps.services.follow_ups.chasers import ChaserReport, chase_period
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import select

from tests.conftest import NORTH_SURGERY_TREE
from tests.publishing import publish_app

PM, STAFF, OUTSIDER = "pm@example.nhs.uk", "staff@example.nhs.uk", "out@example.nhs.uk"
SECRET = "Replace the cracked sharps bin lid"
NOT_MET = {"required": ["result"], "properties": {"result": {"const": "not_met"}}}
AUDIT = {
    "id": "sharps_audit",
    "title": "Sharps audit",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "result": {"type": "string", "enum": ["met", "not_met"]},
                        "action": {"type": "string"},
                        "owner": {"type": "string"},
                        "due": {"type": "string", "format": "date"},
                    },
                },
            }
        },
    },
    "follow_ups": {"items": "/items", "where": NOT_MET, "title": "/action", "owner": "/owner",
                   "due": "/due", "chase_every_days": 7},
}  # fmt: skip


def seed(app: Flask, today: date) -> dict[str, int]:
    """North Surgery's audit with three failed items: owned by its staff member (3 days
    overdue), by a user of another practice (10 days), by a name (not due yet)."""
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
                OrgRow("A00002", "Hill Surgery", "practice", "U00001"),
            ],
        )
        session.flush()
        found = {o.ods: o for o in session.scalars(select(Organisation))}
        make = user_service.create_user
        manager = make(session, PM, "Pat Manager", None, "practice_manager", found["A00001"])
        make(session, STAFF, "Sam Staff", None, "practice_staff", found["A00001"])
        make(session, OUTSIDER, "Olly Other", None, "practice_staff", found["A00002"])
        audit_app = publish_app(session, AUDIT, [found["QWE"]], commit=False)
        items = [
            {"result": "not_met", "action": SECRET, "owner": STAFF, "due": _day(today, -3)},
            {"result": "not_met", "action": "Label bins", "owner": OUTSIDER,
             "due": _day(today, -10)},
            {"result": "not_met", "action": "Train", "owner": "Dr Who", "due": _day(today, 5)},
            {"result": "met"},
        ]  # fmt: skip
        record = create_record(
            session, Access(manager), audit_app, found["A00001"], {"items": items},
            submit=True, actor=manager,
        )  # fmt: skip
        actions = session.scalars(select(FollowUp).where(FollowUp.record_id == record.id))
        return {a.owner or "": a.id for a in actions}


def _day(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def run(app: Flask, at: datetime) -> ChaserReport:
    outcome = SchedulerProcess(app, clock=lambda: at).run_once()
    assert outcome.errors == {}
    report = outcome.results["follow_up_chasers"]
    assert isinstance(report, ChaserReport)
    return report


def test_the_job_runs_hourly_before_the_outbox() -> None:
    job = JOBS["follow_up_chasers"]
    assert job.run is follow_up_chasers and job.every == timedelta(hours=1)
    assert list(JOBS).index("follow_up_chasers") < list(JOBS).index("outbox")


def test_chase_periods() -> None:
    due = date(2026, 3, 10)
    assert chase_period(due, date(2026, 3, 10), 7) is None  # due today: not overdue
    assert [chase_period(due, date(2026, 3, d), 7) for d in (11, 17, 18, 25)] == [0, 0, 1, 2]


def test_overdue_actions_are_chased_once_per_period_until_done(
    shared_app: Flask, smtp_server
) -> None:
    ids = seed(shared_app, datetime.now(UTC).date())
    now = datetime.now(UTC) + timedelta(minutes=1)  # the outbox sends what is due by then

    assert run(shared_app, now) == ChaserReport(actions=2, emails=3)
    received = smtp_server.wait_for(3)
    assert sorted(m["To"] for m in received) == sorted([STAFF, PM, PM])
    for message in received:
        assert message["Subject"] == "Overdue action: Sharps audit at North Surgery"
        text = message.get_body(("plain",)).get_content()
        assert "http://127.0.0.1:5000/apps/sharps_audit/actions?org=A00001#action-" in text
        assert SECRET not in text and "Label bins" not in text  # a link, never the action
    html = received[0].get_body(("html",)).get_content()
    assert SECRET not in html

    # Later the same day, and after a restart: nothing more.
    assert run(shared_app, now + timedelta(hours=1)) == ChaserReport()
    with db.transaction(shared_app) as session:
        for action in session.scalars(select(FollowUp).where(FollowUp.last_chased_at.is_not(None))):
            action.last_chased_at = None  # as if the note of the last chase were lost
    assert run(shared_app, now + timedelta(hours=2)) == ChaserReport(actions=2, emails=0)

    # A week on, each is chased again, and the third is overdue too (its owner is no
    # user: the manager alone is told); once done, an action is never chased again.
    assert run(shared_app, now + timedelta(days=7)) == ChaserReport(actions=3, emails=4)
    with db.transaction(shared_app) as session:
        manager = user_service.by_email(session, PM)
        staff_action = session.get(FollowUp, ids[STAFF])
        assert staff_action is not None and manager is not None
        close_follow_up(session, Access(manager), staff_action, "New lid fitted", manager)
    assert run(shared_app, now + timedelta(days=14)) == ChaserReport(actions=2, emails=2)
    assert len(smtp_server.wait_for(9)) == 9
