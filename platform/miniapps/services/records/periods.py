"""A record's period: well formed, and held by one live record per organisation.

A periodic app holds one record per organisation and period unless its ``period``
declares ``"several": true``. :func:`ensure_slot_free` refuses a period the
organisation's record already holds, naming that record; :func:`claim_slot` stores the
new record, and the unique index on ``(app_id, organisation_id, period_slot)`` settles a
race between two requests that both looked before either wrote.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue, MiniappsError
from miniapps.core.periods.keys import is_period, period_label
from miniapps.core.periods.slots import period_slot
from miniapps.models import App, Organisation, Record
from miniapps.services.definitions import app_definition


class PeriodTaken(MiniappsError):
    """The organisation already has its record for this period: open that one instead."""

    code = "record_exists"
    kind = "conflict"

    def __init__(self, org: Organisation, period: str, record_id: int) -> None:
        super().__init__(
            f"{org.name} ({org.ods}) already has a record for {period_label(period)}: "
            f"record {record_id}. Open that record instead of starting another."
        )
        self.record_id = record_id


def check_period(definition: AppDefinition, period: str | None) -> str | None:
    frequency = (definition.period or {}).get("frequency", "none")
    if period in ("", None):
        if frequency != "none":
            raise DataInvalid([Issue("/period", "a period is required for this periodic app")])
        return None
    if not is_period(period):
        raise DataInvalid(
            [Issue("/period", "must look like 2025-04 (month), 2025-Q1, 2025-W07 or 2025")]
        )
    return period


def slot_holder(session: Session, app_id: str, org: Organisation, slot: str) -> int | None:
    """The id of ``org``'s record that holds ``slot`` (a period) in the app, if any."""
    return session.scalar(
        select(Record.id).where(
            Record.app_id == app_id,
            Record.organisation_id == org.id,
            Record.period_slot == slot,
        )
    )


def ensure_slot_free(session: Session, app_id: str, org: Organisation, slot: str | None) -> None:
    """Raise :class:`PeriodTaken` when ``org``'s record already holds ``slot``."""
    if slot is None:
        return
    holder = slot_holder(session, app_id, org, slot)
    if holder is not None:
        raise PeriodTaken(org, slot, holder)


def claim_slot(session: Session, record: Record) -> None:
    """Add and flush ``record``; if another request took its slot meanwhile, raise
    :class:`PeriodTaken`. The insert runs in a savepoint, so a lost race leaves the
    caller's transaction usable (PostgreSQL aborts a transaction on a failed statement)."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        slot = record.period_slot
        holder = slot_holder(session, record.app_id, record.organisation, slot) if slot else None
        if slot is None or holder is None:
            raise
        raise PeriodTaken(record.organisation, slot, holder) from None


def period_holder(
    session: Session, app: App, org: Organisation, period: str | None
) -> Record | None:
    """``org``'s record that holds ``period`` in ``app`` (which a new record for that
    period would collide with), or None: none yet, or the app keeps several per period."""
    if not period:
        return None
    slot = period_slot(app_definition(session, app, period).period, period)
    holder = slot_holder(session, app.id, org, slot) if slot else None
    return session.get(Record, holder) if holder is not None else None
