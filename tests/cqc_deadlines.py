"""The bundled complaints and training apps for tests, and helpers to make their records
with steps dated in the past (plain functions, no fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from miniapps.models import App, AuditEntry, Framework, Organisation, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.compliance_evidence import load_saf
from tests.publishing import publish_app

BUNDLE = Path(__file__).resolve().parents[1] / "apps" / "cqc_compliance" / "definitions"
LONDON = ZoneInfo("Europe/London")


def complaints_definition() -> dict[str, Any]:
    return json.loads((BUNDLE / "cqc_complaints.json").read_text())


def training_definition() -> dict[str, Any]:
    return json.loads((BUNDLE / "cqc_training.json").read_text())


def publish_complaints(session: Session, orgs: dict[str, Organisation]) -> App:
    """The complaints app published to the test ICB (the CQC framework loaded first)."""
    ensure_saf(session)
    return publish_app(session, complaints_definition(), [orgs["QWE"]])


def publish_training(session: Session, orgs: dict[str, Organisation]) -> App:
    """The training app published to the test ICB (the CQC framework loaded first)."""
    ensure_saf(session)
    return publish_app(session, training_definition(), [orgs["QWE"]])


def ensure_saf(session: Session) -> None:
    """The CQC single assessment framework, loaded once."""
    if session.scalar(select(Framework.id).where(Framework.framework_id == "cqc-saf")) is None:
        load_saf(session)


def noon(day: date) -> datetime:
    """Midday in London on ``day``, in UTC."""
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)


def complaint(
    session: Session,
    app: App,
    org: Organisation,
    actor: User,
    received: date,
    **answers: Any,
) -> Record:
    """A complaint received on ``received``, recorded (submitted) that day; flushed."""
    data = {
        "received_on": received.isoformat(),
        "how_received": "letter",
        "complainant": "relative_or_carer",
        "category": "access",
        "summary": "Could not get an appointment for three weeks.",
        **answers,
    }
    record = record_service.create_record(
        session, Access(actor), app, org, data, submit=True, actor=actor
    )
    backdate(session, record, noon(received))
    return record


def take(
    session: Session,
    record: Record,
    actor: User,
    action: str,
    on: date,
    data: dict[str, Any] | None = None,
) -> None:
    """Take ``action`` (filling in ``data``) as if on ``on``: its audit entries are dated
    midday in London that day; flushed."""
    started = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    record_service.apply_transition(
        session, Access(actor), record, action, comment=None, actor=actor, data=data
    )
    session.flush()
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record.id, AuditEntry.id > started)
    ):
        entry.at = noon(on)
    session.flush()


def backdate(session: Session, record: Record, moment: datetime) -> None:
    """Date ``record`` and its audit trail so far at ``moment``."""
    session.flush()
    record.created_at = record.updated_at = moment
    if record.submitted_at is not None:
        record.submitted_at = moment
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)):
        entry.at = moment
    session.flush()


def completion(
    session: Session,
    app: App,
    org: Organisation,
    actor: User,
    person: User,
    course: str,
    completed: date,
) -> Record:
    """A training completion for ``person``, recorded by ``actor``; flushed."""
    data = {"person": person.email, "course": course, "completed_on": completed.isoformat()}
    return record_service.create_record(
        session, Access(actor), app, org, data, submit=True, actor=actor
    )
