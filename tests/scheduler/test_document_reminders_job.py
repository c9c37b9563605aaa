"""The ``document_reminders`` job with a real SMTP server: reviews due in 60, 30 and 7
days are each reminded once to the keeper's managers, an overdue review and a late
re-adoption are reminded, and staff hear weekly about what they must still read and
sign. Committed data; the scheduler's clock is moved on between runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from miniapps.db import db
from miniapps.models import Organisation
from miniapps.scheduler import JOBS, SchedulerProcess
from miniapps.scheduler.documents import document_reminders
from miniapps.services import users as user_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.documents import adoption, library
from miniapps.services.documents.reminders import DocumentReminderReport
from miniapps.services.organisations import upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import select

from tests.conftest import NORTH_SURGERY_TREE
from tests.documents_setup import SAF, policies_definition
from tests.publishing import publish_app

KEEPER, APPROVER = "pcn@example.nhs.uk", "approver@example.nhs.uk"
MANAGER, STAFF = "pm@example.nhs.uk", "staff@example.nhs.uk"


def seed(app: Flask, published: datetime, review_days: int) -> None:
    """North PCN keeps one policy, published at ``published`` with its review due
    ``review_days`` later; North Surgery adopted it; one member of staff must sign it."""
    with db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        session.flush()
        found = {o.ods: o for o in session.scalars(select(Organisation))}
        made = {
            email: user_service.create_user(
                session, email, email.split("@")[0], None, role, found[ods]
            )
            for email, role, ods in [
                (KEEPER, "pcn_manager", "U00001"),
                (APPROVER, "pcn_manager", "U00001"),
                (MANAGER, "practice_manager", "A00001"),
                (STAFF, "practice_staff", "A00001"),
            ]
        }
        load_framework(session, json.loads(SAF.read_text(encoding="utf-8")))
        policies = publish_app(session, policies_definition(), [found["QWE"]], commit=False)
        keeper = made[KEEPER]
        data = {
            "title": "Fire safety policy",
            "category": "policy",
            "owner": "Practice manager",
            "statements": ["safe_environments"],
            "sign_roles": ["practice_staff"],
        }
        record = create_record(
            session, Access(keeper), policies, found["U00001"], data, submit=True, actor=keeper
        )
        version = library.add_version(
            session,
            Access(keeper),
            policies,
            record,
            keeper,
            body="Test the alarm weekly.",
            change_summary="First",
            now=published,
        )
        library.approve_version(
            session, Access(made[APPROVER]), policies, record, 1, made[APPROVER], now=published
        )
        library.publish_version(
            session,
            Access(keeper),
            policies,
            record,
            version.number,
            keeper,
            now=published,
            review_due=published.date() + timedelta(days=review_days),
        )
        adoption.adopt(
            session,
            Access(made[MANAGER]),
            policies,
            record,
            1,
            found["A00001"],
            made[MANAGER],
            mode="as_is",
            now=published,
        )


def run_at(app: Flask, moment: datetime) -> DocumentReminderReport:
    outcome = SchedulerProcess(app, clock=lambda: moment).run_once()
    assert outcome.errors == {}
    report = outcome.results["document_reminders"]
    assert isinstance(report, DocumentReminderReport)
    return report


def test_the_job_is_registered_hourly_before_the_outbox() -> None:
    job = JOBS["document_reminders"]
    assert job.run is document_reminders and job.every == timedelta(hours=1)
    assert list(JOBS).index("document_reminders") < list(JOBS).index("outbox")


def test_reviews_are_reminded_once_at_60_30_and_7_days(shared_app: Flask, smtp_server) -> None:
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    seed(shared_app, start, review_days=100)
    due = start + timedelta(days=100)

    # Each reminder goes to both PCN managers (the keeper's managers): 2 emails.
    assert run_at(shared_app, due - timedelta(days=61)).review_due == 0
    assert run_at(shared_app, due - timedelta(days=60)).review_due == 2
    assert run_at(shared_app, due - timedelta(days=59)).review_due == 0  # once only
    assert run_at(shared_app, due - timedelta(days=30)).review_due == 2
    assert run_at(shared_app, due - timedelta(days=29)).review_due == 0
    assert run_at(shared_app, due - timedelta(days=7)).review_due == 2
    assert run_at(shared_app, due - timedelta(days=7, hours=-1)).review_due == 0
    overdue = run_at(shared_app, due + timedelta(days=1))
    assert overdue.review_due == 0 and overdue.review_overdue == 2
    assert run_at(shared_app, due + timedelta(days=2)).review_overdue == 0  # weekly

    reviews = [m for m in smtp_server.wait_for(8) if "Review" in m["Subject"]]
    assert len(reviews) == 8
    assert sorted(m["To"] for m in reviews) == [APPROVER] * 4 + [KEEPER] * 4
    subjects = [m["Subject"] for m in reviews if m["To"] == KEEPER]
    assert len(set(subjects)) == 4, subjects
    assert [s.split(":")[0] for s in subjects if s.startswith("Review due")] == [
        "Review due in 60 days",
        "Review due in 30 days",
        "Review due in 7 days",
    ]
    assert subjects[-1] == "Review overdue: Policy library, document 1"
    for message in reviews:
        text = message.get_body(("plain",)).get_content()
        assert "/apps/cqc_policies/library/" in text
        assert "Test the alarm weekly" not in text and "Fire safety" not in text  # no data


def test_staff_are_reminded_weekly_and_late_adoption_is_chased(
    shared_app: Flask, smtp_server
) -> None:
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    seed(shared_app, start, review_days=300)
    first = run_at(shared_app, start + timedelta(hours=1))
    assert first.sign == 1
    assert run_at(shared_app, start + timedelta(hours=2)).sign == 0  # the same week
    assert run_at(shared_app, start + timedelta(days=7, hours=1)).sign == 1  # next week

    # A new version: the practice is told at once, and chased once it is late.
    later = start + timedelta(days=8)
    with db.transaction(shared_app) as session:
        from miniapps.models import App, Record, User

        policies = session.get(App, "cqc_policies")
        record = session.scalars(select(Record)).one()
        keeper = session.scalars(select(User).where(User.email == KEEPER)).one()
        approver = session.scalars(select(User).where(User.email == APPROVER)).one()
        assert policies is not None
        library.add_version(
            session,
            Access(keeper),
            policies,
            record,
            keeper,
            body="Test the alarm every Monday.",
            change_summary="Monday",
            now=later,
        )
        library.approve_version(session, Access(approver), policies, record, 2, approver, now=later)
        library.publish_version(
            session,
            Access(keeper),
            policies,
            record,
            2,
            keeper,
            now=later,
            base_url="https://miniapps.test",
        )
    late = run_at(shared_app, later + timedelta(days=31))
    assert late.readopt_overdue == 1 and late.sign == 0  # nothing to sign until adopted
    received = smtp_server.wait_for(4)
    subjects = [(m["To"], m["Subject"]) for m in received]
    assert (STAFF, "To read and sign: 1 document in Policy library") in subjects
    assert any(to == MANAGER and s.startswith("New version to adopt") for to, s in subjects)
    assert any(
        to == MANAGER and s == "Adoption overdue: Policy library, document 1 v2"
        for to, s in subjects
    )
