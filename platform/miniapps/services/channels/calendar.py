"""The working-day calendar in use: what an admin loaded (``miniapps calendar load``), or
the England and Wales bank holidays shipped with the package."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from miniapps.core.channels.calendar_file import parse_calendar, shipped_calendar
from miniapps.models import AuditEntry, BankHoliday, User


def holidays(session: Session) -> frozenset[date]:
    loaded = frozenset(session.scalars(select(BankHoliday.day)))
    return loaded or frozenset(shipped_calendar())


def calendar_days(session: Session) -> dict[date, str]:
    """``{day: title}`` in use, oldest first."""
    rows = session.execute(select(BankHoliday.day, BankHoliday.title).order_by(BankHoliday.day))
    loaded = {day: title for day, title in rows}
    return loaded or dict(shipped_calendar())


def replace_calendar(session: Session, raw: Any, actor: User | None) -> dict[date, str]:
    """Replace the calendar with the one in ``raw`` (checked first: a bad file changes
    nothing); audited. Deadlines already set stay as they were."""
    days = parse_calendar(raw)
    before = calendar_days(session)
    session.execute(delete(BankHoliday))
    session.add_all(BankHoliday(day=day, title=title) for day, title in days.items())
    session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action="calendar_load",
            changes=[
                {
                    "pointer": "/bank_holidays",
                    "old": f"{len(before)} days, {_span(before)}",
                    "new": f"{len(days)} days, {_span(days)}",
                }
            ],
        )
    )
    session.flush()
    return days


def _span(days: dict[date, str]) -> str:
    if not days:
        return "none"
    return f"{min(days).isoformat()} to {max(days).isoformat()}"
