"""Periodic returns: when a return is due, when it is overdue, and the status of one.

Flask-free and database-free. Period strings are those of :mod:`miniapps.core.periods.keys`
(``2025-W07``, ``2025-04``, ``2025-Q1``, ``2025``); only their meaning changes with
``financial_year``.

**Financial years.** With ``"financial_year": true`` quarters and years follow the NHS
financial year (April to March), labelled by the calendar year it *starts* in:

- ``2025`` is 1 April 2025 to 31 March 2026 (the 2025/26 financial year);
- ``2025-Q1`` is April to June 2025, ``Q2`` July to September, ``Q3`` October to December 2025,
  ``2025-Q4`` January to March **2026**.

Months and weeks are the same either way.

**Due date.** A return is due on ``due_day`` of the month after its period ends (capped at
that month's last day: 31 is "the last day"), or for weekly returns on day ``due_day`` of
the following week (1 = Monday … 7 = Sunday; larger values are capped at 7). Without
``due_day`` a return is due on the first day after its period (``due_day`` 1).

**Overdue.** A return not yet submitted is overdue from the day after
``due date + grace_days`` (``grace_days`` defaults to 0).

**Who owes.** An organisation owes the return for a period when, on the period's last
day, it is active (``active_from`` <= day < ``closed_on``), the app is targeted at it or
above it (a target counts from its ``targeted_from`` until the day before it ended) and
the definition's ``owed_by`` names its type or code. One day decides, so a practice
targeted in July owes July's return but not June's, and a practice that closed in
September owes August's but not September's: nobody is chased for a period whose end
they did not reach, and completeness only counts returns that were owed.

**Status** of one organisation's return for one period, in order of precedence:
``approved``, ``submitted`` (the record has left its workflow's initial state),
``locked`` (the period is locked and nothing was submitted), ``overdue``, ``draft``,
``not_started``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

STATUSES = ("not_started", "draft", "submitted", "approved", "overdue", "locked")
NOT_OWED = "not_owed"  # a grid cell for a period the organisation owed nothing
COMPLETE = frozenset({"submitted", "approved"})
STATUS_TITLES = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "overdue": "Overdue",
    "locked": "Locked",
    NOT_OWED: "Not owed",
}
DEFAULT_OWED_BY_TYPES = ("practice",)


@dataclass(frozen=True)
class PeriodRules:
    """The ``period`` member of a definition, with its defaults filled in."""

    frequency: str = "none"
    due_day: int = 1
    financial_year: bool = False
    grace_days: int = 0
    owed_by_types: tuple[str, ...] = DEFAULT_OWED_BY_TYPES
    owed_by_orgs: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> PeriodRules:
        raw = raw or {}
        owed = raw.get("owed_by") or {}
        types = tuple(owed.get("types") or ())
        orgs = tuple(str(o).upper() for o in owed.get("orgs") or ())
        if not types and not orgs:
            types = DEFAULT_OWED_BY_TYPES
        return cls(
            frequency=str(raw.get("frequency", "none")),
            due_day=int(raw.get("due_day", 1)),
            financial_year=bool(raw.get("financial_year", False)),
            grace_days=int(raw.get("grace_days", 0)),
            owed_by_types=types,
            owed_by_orgs=orgs,
        )

    @property
    def is_periodic(self) -> bool:
        return self.frequency != "none"

    def owes(self, org_type: str, ods: str) -> bool:
        """Whether an organisation of this type and ODS code owes returns (``owed_by``):
        its type is listed in ``types`` or its code in ``orgs``. Without ``owed_by``,
        practices owe. Targeting and being active are checked by the caller."""
        return org_type in self.owed_by_types or ods.upper() in self.owed_by_orgs


@dataclass(frozen=True)
class Span:
    """The days from ``start`` (None: since always) to the day before ``end`` (None: still)."""

    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_bounds(period: str, financial_year: bool = False) -> tuple[date, date]:
    """First and last day of a period (both inclusive)."""
    if "-W" in period:
        monday = date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return monday, monday + timedelta(days=6)
    year = int(period[:4])
    offset = 3 if financial_year else 0  # financial periods start in April
    if "-Q" in period:
        start = _add_months(year, 1 + offset, 3 * (int(period[6:]) - 1))
        end = _add_months(*start, 2)
    elif len(period) == 7:
        start = end = (year, int(period[5:]))
    else:
        start = _add_months(year, 1 + offset, 0)
        end = _add_months(*start, 11)
    return date(start[0], start[1], 1), _month_end(*end)


def period_containing(day: date, frequency: str, financial_year: bool = False) -> str | None:
    """The period holding ``day`` (None when the app has no periods)."""
    if frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if frequency == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    year, month = day.year, day.month
    if financial_year and frequency in ("quarterly", "yearly"):
        year, month = _add_months(year, month, -3)  # April becomes "month 1"
    if frequency == "quarterly":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    if frequency == "yearly":
        return f"{year:04d}"
    return None


def shift(period: str, rules: PeriodRules, steps: int) -> str:
    """The period ``steps`` periods after (negative: before) ``period``."""
    start, _ = period_bounds(period, rules.financial_year)
    if rules.frequency == "weekly":
        day = start + timedelta(weeks=steps)
    else:
        months = {"monthly": 1, "quarterly": 3, "yearly": 12}[rules.frequency]
        day = date(*_add_months(start.year, start.month, months * steps), 1)
    found = period_containing(day, rules.frequency, rules.financial_year)
    assert found is not None
    return found


def last_periods(today: date, rules: PeriodRules, count: int) -> list[str]:
    """The ``count`` periods up to and including today's, oldest first."""
    current = period_containing(today, rules.frequency, rules.financial_year)
    if current is None:
        return []
    return [shift(current, rules, -i) for i in range(count - 1, -1, -1)]


def periods_between(first: str, last: str, rules: PeriodRules, limit: int = 60) -> list[str]:
    """``first`` to ``last`` inclusive, oldest first, at most ``limit`` periods."""
    found: list[str] = []
    period = first
    end = period_bounds(last, rules.financial_year)[0]
    while period_bounds(period, rules.financial_year)[0] <= end and len(found) < limit:
        found.append(period)
        period = shift(period, rules, 1)
    return found


def deciding_day(period: str, rules: PeriodRules) -> date:
    """The day that decides who owes the return for ``period``: its last day."""
    return period_bounds(period, rules.financial_year)[1]


def owes_in_period(
    period: str,
    rules: PeriodRules,
    *,
    org_type: str,
    ods: str,
    active: Span,
    targeted: Iterable[Span],
) -> bool:
    """Whether an organisation owes the return for ``period`` (see "Who owes" above).

    ``active`` is when the organisation was active; ``targeted`` the spans during which
    the app was targeted at it or at an organisation above it.
    """
    if not rules.is_periodic or not rules.owes(org_type, ods):
        return False
    day = deciding_day(period, rules)
    return active.covers(day) and any(span.covers(day) for span in targeted)


def due_date(period: str, rules: PeriodRules) -> date:
    """The day the return for ``period`` is due (see the module notes)."""
    _, end = period_bounds(period, rules.financial_year)
    if rules.frequency == "weekly":
        return end + timedelta(days=min(max(rules.due_day, 1), 7))
    year, month = _add_months(end.year, end.month, 1)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(max(rules.due_day, 1), last))


def overdue_from(period: str, rules: PeriodRules) -> date:
    """The first day on which an unsubmitted return for ``period`` is overdue."""
    return due_date(period, rules) + timedelta(days=rules.grace_days + 1)


def return_status(
    record_status: str | None,
    *,
    initial: str,
    final_states: Iterable[str],
    period: str,
    rules: PeriodRules,
    today: date,
    locked: bool = False,
) -> str:
    """The status of one organisation's return for ``period`` (see the module notes).

    ``record_status`` is the workflow state of its record (None when there is none);
    ``initial`` the workflow's initial state; ``final_states`` those that count as approved.
    """
    if record_status is not None and record_status != initial:
        return "approved" if record_status in set(final_states) else "submitted"
    if locked:
        return "locked"
    if today >= overdue_from(period, rules):
        return "overdue"
    return "not_started" if record_status is None else "draft"


def percent_complete(statuses: Iterable[str]) -> int:
    """Whole per cent of returns submitted or approved; 0 when nobody owes any.

    Counts only the statuses given (one per owing organisation; cells marked
    :data:`NOT_OWED` are left out), so never above 100.
    """
    items = [s for s in statuses if s != NOT_OWED]
    if not items:
        return 0
    done = sum(1 for s in items if s in COMPLETE)
    return done * 100 // len(items)
