"""A year of plausible demo records for each app, made the way users make them.

Each record's data comes from :mod:`demo_values` (drawn from the app's schema and
checked against it) and is stored through :func:`create_record` with
``submit=True``, so workflow state and audit trail are real. The random seed is
the app id: the same app always gets the same data.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid
from miniapps.core.periods.keys import period_of
from miniapps.demo.values import sample_record
from miniapps.models import App, AuditEntry, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True)
class Slot:
    """One record to make: for whom, for which period, about which day, submitted when."""

    org: Organisation
    period: str | None
    day: date
    submitted_at: datetime


def generate_records(
    session: Session,
    app: App,
    top: Organisation,
    actor: User,
    today: date,
    *,
    open_orgs: Collection[str] = (),
) -> tuple[int, int]:
    """Make a year of submitted records for ``app`` under ``top``: (created, skipped invalid).

    The organisations ``open_orgs`` names get no return for the latest period (the one
    now due), so their users have one to fill in."""
    definition = app_definition(session, app)
    rng = random.Random(f"miniapps-demo:{app.id}")
    access = Access(actor)
    created = invalid = 0
    stamps: list[dict[str, Any]] = []
    slots = record_slots(definition, owing_orgs(session, definition, top), rng, today)
    latest = max((s.period for s in slots if s.period), default=None)
    for slot in slots:
        if slot.period is not None and slot.period == latest and slot.org.ods in open_orgs:
            continue
        data = sample_record(definition, rng, slot.day)
        if data is None:
            invalid += 1
            continue
        try:
            record = create_record(
                session, access, app, slot.org, data, period=slot.period, submit=True, actor=actor
            )
        except DataInvalid:  # a condition hid a value the schema needs: raised before any write
            invalid += 1
            continue
        stamps.append({"rid": record.id, "stamp": slot.submitted_at})
        created += 1
    backdate(session, stamps)
    return created, invalid


def owing_orgs(
    session: Session, definition: AppDefinition, top: Organisation
) -> list[Organisation]:
    # Periodic apps may say who owes returns; everything else is filled in by practices.
    owed_by = (definition.period.get("owed_by") or {}) if definition.is_periodic else {}
    query = select(Organisation).where(
        subtree(top.path),
        Organisation.active,
        Organisation.type.in_(owed_by.get("types") or ["practice"]),
    )
    if owed_by.get("orgs"):
        query = query.where(Organisation.ods.in_(owed_by["orgs"]))
    return list(session.scalars(query.order_by(Organisation.ods)))


def record_slots(
    definition: AppDefinition, orgs: list[Organisation], rng: random.Random, today: date
) -> list[Slot]:
    """Periodic apps: one return per organisation per complete period of the last year.
    Others: two to four records per organisation per month, this month included."""
    frequency = definition.period.get("frequency", "none")
    slots: list[Slot] = []
    for org in orgs:
        if frequency == "none":
            for first, last in _month_spans(today, 12, include_current=True):
                for _ in range(rng.randint(2, 4)):
                    day = first + timedelta(days=rng.randint(0, (min(last, today) - first).days))
                    slots.append(Slot(org, None, day, moment(day, rng, today)))
            continue
        for first, last in _period_spans(frequency, today):
            day = first + timedelta(days=rng.randint(0, (last - first).days))
            submitted = last + timedelta(days=rng.randint(1, 14))
            slots.append(Slot(org, period_of(first, frequency), day, moment(submitted, rng, today)))
    return slots


def moment(day: date, rng: random.Random, today: date) -> datetime:
    day = min(day, today)
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_spans(today: date, count: int, include_current: bool) -> list[tuple[date, date]]:
    start = date(today.year, today.month, 1)
    offsets = range(0, count) if include_current else range(1, count + 1)
    spans = []
    for offset in offsets:
        first = add_months(start, -offset)
        spans.append((first, add_months(first, 1) - timedelta(days=1)))
    return spans


def _period_spans(frequency: str, today: date) -> list[tuple[date, date]]:
    """The complete periods of the last twelve months, newest first."""
    if frequency == "weekly":
        monday = today - timedelta(days=today.weekday())
        return [
            (monday - timedelta(weeks=i), monday - timedelta(weeks=i, days=-6))
            for i in range(1, 53)
        ]
    step = MONTHS_PER_PERIOD[frequency]
    current = date(today.year, (today.month - 1) // step * step + 1, 1)
    spans = []
    for i in range(1, 12 // step + 1):
        first = add_months(current, -i * step)
        spans.append((first, add_months(first, step) - timedelta(days=1)))
    return spans


def backdate(session: Session, stamps: list[dict[str, Any]]) -> None:
    """Give records and their audit entries the times they would have had (not 'now')."""
    if not stamps:
        return
    records, audit = cast(Table, Record.__table__), cast(Table, AuditEntry.__table__)
    session.execute(
        update(records)
        .where(records.c.id == bindparam("rid"))
        .values(
            created_at=bindparam("stamp"),
            updated_at=bindparam("stamp"),
            submitted_at=bindparam("stamp"),
        ),
        stamps,
    )
    session.execute(
        update(audit).where(audit.c.record_id == bindparam("rid")).values(at=bindparam("stamp")),
        stamps,
    )
    session.expire_all()
