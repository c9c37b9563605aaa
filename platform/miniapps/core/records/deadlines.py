"""Deadlines a record must meet (a definition's ``deadlines``): due dates and where each
stands, computed from facts about the record, without the database.

A deadline's clock starts on the day ``from`` names: a date field of the record, or the
London day it was created or submitted. It is due ``working_days`` working days later
(Monday to Friday except the bank holidays given, counted from the day after, as the
channel SLAs count them), ``days`` calendar days later, or ``months`` calendar months
later (31 August + 6 months is 28 or 29 February). It is met on the first day the record
took ``met_by``'s action (``action:acknowledge``) or entered its state (``state:closed``),
read from its audit trail. Once the record is in one of the ``until`` states it no longer
applies, unless it got there only after the due date had passed: then it was missed.

Where one stands (:data:`STANDINGS`): ``met`` (on or before the due date), ``late`` (met
after it), ``open`` (not met, not due yet), ``due_soon`` (due within the reminder
window), ``overdue`` (due date passed, still being chased), ``missed`` (due date passed
and the record has moved on: an ``until`` or final state), ``not_needed`` (``until``
reached in time), ``not_started`` (no date to count from yet).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from miniapps.core.channels.working_days import add_working_days
from miniapps.core.pointers import value_at

STANDINGS = ("met", "late", "open", "due_soon", "overdue", "missed", "not_needed", "not_started")
# Standings that are a problem: shown as such and counted as compliance gaps.
PROBLEMS = frozenset({"overdue", "missed"})
# A deadline without ``remind_days_before`` shows as due soon this many days before.
DUE_SOON_DAYS = 7
CREATED, SUBMITTED = "created", "submitted"


@dataclass(frozen=True)
class Deadline:
    """One entry of a definition's ``deadlines``."""

    id: str
    title: str
    start: str  # "created", "submitted" or a date field's pointer
    unit: str  # "working_days", "days" or "months"
    amount: int
    met_kind: str  # "action" or "state"
    met_name: str
    until: tuple[str, ...] = ()
    remind_days_before: int | None = None
    notify: tuple[str, ...] = ("practice_manager",)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Deadline:
        unit = next(u for u in ("working_days", "days", "months") if u in raw)
        kind, _, name = str(raw["met_by"]).partition(":")
        return cls(
            id=str(raw["id"]),
            title=str(raw["title"]),
            start=str(raw["from"]),
            unit=unit,
            amount=int(raw[unit]),
            met_kind=kind,
            met_name=name,
            until=tuple(raw.get("until") or ()),
            remind_days_before=raw.get("remind_days_before"),
            notify=tuple(raw.get("notify") or ("practice_manager",)),
        )

    @property
    def soon_days(self) -> int:
        """How many days before the due date it counts as due soon."""
        return DUE_SOON_DAYS if self.remind_days_before is None else self.remind_days_before


def deadlines_of(declared: list[dict[str, Any]] | None) -> list[Deadline]:
    """The definition's ``deadlines`` as :class:`Deadline` objects, in order."""
    return [Deadline.from_json(raw) for raw in declared or []]


@dataclass(frozen=True)
class RecordFacts:
    """What a deadline needs to know about one record (London days throughout)."""

    data: Mapping[str, Any]
    status: str
    created_on: date
    submitted_on: date | None
    actions: Mapping[str, date]  # action -> the first day it was taken
    states: Mapping[str, date]  # state -> the first day the record entered it
    final: bool = False  # the record is in a final state of its workflow


@dataclass(frozen=True)
class DeadlineStatus:
    """Where one deadline of one record stands on ``today``."""

    deadline: Deadline
    standing: str  # one of STANDINGS
    due: date | None
    met_on: date | None
    days: int  # overdue: days past due; open / due_soon: days left; late: days late

    @property
    def problem(self) -> bool:
        return self.standing in PROBLEMS

    @property
    def text(self) -> str:
        """The standing in words, for people: "Overdue by 2 days", "Met on 4 March 2026"."""
        return standing_text(self)


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar ``months``, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def due_date(deadline: Deadline, start: date, holidays: Collection[date]) -> date:
    """The day ``deadline`` falls due when its clock starts on ``start``."""
    if deadline.unit == "working_days":
        return add_working_days(start, deadline.amount, holidays)
    if deadline.unit == "days":
        return start + timedelta(days=deadline.amount)
    return add_months(start, deadline.amount)


def start_day(deadline: Deadline, facts: RecordFacts) -> date | None:
    """The day the clock starts: None while there is none (an empty date field, a record
    not submitted yet) or the date field holds something that is not a date."""
    if deadline.start == CREATED:
        return facts.created_on
    if deadline.start == SUBMITTED:
        return facts.submitted_on
    value = value_at(facts.data, deadline.start)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def met_day(deadline: Deadline, facts: RecordFacts) -> date | None:
    """The first day the record took the action or entered the state that meets it."""
    found = facts.actions if deadline.met_kind == "action" else facts.states
    return found.get(deadline.met_name)


def deadline_status(
    deadline: Deadline, facts: RecordFacts, today: date, holidays: Collection[date]
) -> DeadlineStatus:
    """Where ``deadline`` stands for the record described by ``facts`` on ``today``."""
    start = start_day(deadline, facts)
    met_on = met_day(deadline, facts)
    if start is None:
        return DeadlineStatus(deadline, "not_started", None, met_on, 0)
    due = due_date(deadline, start, holidays)
    if met_on is not None:
        late = (met_on - due).days
        return DeadlineStatus(deadline, "late" if late > 0 else "met", due, met_on, max(late, 0))
    left = (due - today).days
    reached = min((facts.states[s] for s in deadline.until if s in facts.states), default=None)
    if reached is not None and reached <= due:
        return DeadlineStatus(deadline, "not_needed", due, None, 0)
    moved_on = facts.final or facts.status in deadline.until
    if left < 0:
        missed = moved_on or reached is not None
        return DeadlineStatus(deadline, "missed" if missed else "overdue", due, None, -left)
    if moved_on:  # finished (or past the need for it) before it was due
        return DeadlineStatus(deadline, "not_needed", due, None, 0)
    standing = "due_soon" if left <= deadline.soon_days else "open"
    return DeadlineStatus(deadline, standing, due, None, left)


def record_statuses(
    deadlines: list[Deadline], facts: RecordFacts, today: date, holidays: Collection[date]
) -> list[DeadlineStatus]:
    """Every deadline of a record, in the definition's order."""
    return [deadline_status(d, facts, today, holidays) for d in deadlines]


def long_date(day: date) -> str:
    """``4 March 2026``."""
    return f"{day.day} {day:%B %Y}"


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def standing_text(status: DeadlineStatus) -> str:
    """A deadline's standing in words, for the record page, emails and summaries."""
    standing, days = status.standing, status.days
    if standing == "met" and status.met_on is not None:
        return f"Met on {long_date(status.met_on)}"
    if standing == "late" and status.met_on is not None:
        return f"Met {_days(days)} late, on {long_date(status.met_on)}"
    if standing == "overdue":
        return f"Overdue by {_days(days)}"
    if standing == "missed" and status.due is not None:
        return f"Missed: not met by {long_date(status.due)}"
    if standing == "not_needed":
        return "No longer needed"
    if standing == "not_started":
        return "Not started yet"
    if days == 0:
        return "Due today"
    return f"Due in {_days(days)}"
