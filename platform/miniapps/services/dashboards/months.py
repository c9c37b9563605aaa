"""``"group_by": "month"``: the London calendar month a record was submitted (``2026-04``).

A record's moment is ``submitted_at`` (``created_at`` for records stored without one).
The month is found in SQL by comparing that moment with the months' first instants in
UTC, as the channel dashboard does: the same on both databases and right across the
clock changes, which SQLite's date functions know nothing of (a record submitted at
00:30 on 1 June, British Summer Time, is June's). The months are every one from the
first record's to the last one's in the dashboard's scope (one small statement), so
every month-grouped widget of a dashboard shares one axis, none missing.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy import SQLColumnExpression, String, case, func, literal, select

from miniapps.core.channels.figures import london_month, month_start, months_from_to
from miniapps.models import Record
from miniapps.services.dashboards.query import WidgetQuery

__all__ = ["MONTH", "month_of_record", "months_in_scope", "record_moment"]

MONTH = "month"


def record_moment() -> SQLColumnExpression[Any]:
    return func.coalesce(Record.submitted_at, Record.created_at)


def months_in_scope(query: WidgetQuery) -> list[str]:
    """Every London month from the first record's to the last one's (none: no records)."""
    moment = record_moment()
    first, last = query.session.execute(
        select(func.min(moment), func.max(moment))
        .select_from(query.records())
        .where(*query.conditions)
    ).one()
    if first is None or last is None:
        return []
    return months_from_to(london_month(first), london_month(last))


def month_of_record(months: list[str]) -> SQLColumnExpression[Any]:
    """The month of each record among ``months`` (which must cover every record counted)."""
    if not months:
        return literal(None, String)
    moment = record_moment()
    starts = [(moment < month_start(after), month) for month, after in pairwise(months)]
    return case(*starts, else_=months[-1]) if starts else literal(months[0], String)
