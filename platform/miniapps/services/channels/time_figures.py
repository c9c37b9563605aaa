"""The channel dashboard's figures over time: items and breaches per London month
sent, and the medians and 90th percentiles of the times to acknowledge and to decide
(in clock hours, and in working days by the bank-holiday calendar in use).

Both take the conditions on :class:`ChannelItem` that
:mod:`miniapps.services.channels.analytics` builds (visibility and filters).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal, or_, select
from sqlalchemy.orm import Session

from miniapps.core.channels.figures import (
    Spread,
    hours_between,
    london_month,
    month_start,
    months_from_to,
)
from miniapps.core.channels.working_days import working_days_between
from miniapps.models import ChannelItem
from miniapps.services.channels.calendar import holidays


def items_by_month(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    first: datetime | None,
    last: datetime | None,
) -> list[dict[str, Any]]:
    """Items and breaches per London month sent, every month from the first item's to the
    last one's (none missing). The month of each item is found in SQL by comparing its
    ``sent_at`` with the months' starts in UTC: the same on both databases, and right
    across the clock changes, which SQLite's date functions know nothing of."""
    if first is None or last is None:
        return []
    months = months_from_to(london_month(first), london_month(last))
    starts = [(ChannelItem.sent_at < month_start(m), before) for before, m in pairwise(months)]
    month = case(*starts, else_=months[-1]) if starts else literal(months[0], String)
    sent = select(month.label("month"), ChannelItem.id, ChannelItem.breached)
    rows = sent.where(*conditions).subquery()  # group on the named column (PostgreSQL)
    counted = session.execute(
        select(rows.c.month, func.count(), func.count(case((rows.c.breached, 1)))).group_by(
            rows.c.month
        )
    ).all()
    found = {key: (items, breached) for key, items, breached in counted}
    return [
        {"month": m, "items": found.get(m, (0, 0))[0], "breached": found.get(m, (0, 0))[1]}
        for m in months
    ]


def clock_times(session: Session, conditions: Sequence[ColumnElement[bool]]) -> dict[str, Any]:
    """Median and 90th percentile of the times from sending to acknowledging and to
    deciding, over the items whose clock has stopped."""
    rows = session.execute(
        select(ChannelItem.sent_at, ChannelItem.acknowledged_at, ChannelItem.decided_at).where(
            *conditions,
            or_(ChannelItem.acknowledged_at.is_not(None), ChannelItem.decided_at.is_not(None)),
        )
    ).all()
    calendar = holidays(session) if rows else frozenset()
    stopped: dict[str, list[tuple[datetime, datetime]]] = {"acknowledge": [], "decide": []}
    for sent, acknowledged, decided in rows:
        if acknowledged is not None:
            stopped["acknowledge"].append((sent, acknowledged))
        if decided is not None:
            stopped["decide"].append((sent, decided))
    figures = {}
    for clock, pairs in stopped.items():
        hours = Spread.of([hours_between(sent, done) for sent, done in pairs])
        days = Spread.of(
            [float(working_days_between(sent, done, calendar)) for sent, done in pairs]
        )
        figures[clock] = {
            "count": hours.count,
            "median_hours": hours.median,
            "p90_hours": hours.p90,
            "median_working_days": days.median,
            "p90_working_days": days.p90,
        }
    return figures
