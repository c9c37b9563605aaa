"""Arithmetic of the ``duration`` widget: days from a record's start to the first time it
reached a workflow state, summarised as count, median and 90th percentile.

Days are elapsed time divided by 24 hours (not working days), rounded to one decimal
only at the end: the percentiles interpolate between closest ranks (type 7, as the
channel dashboard does, :func:`miniapps.core.channels.figures.percentile`). Records
that have not reached the state yet, and still can, are *open*: how many, and the
median and greatest age so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from miniapps.core.channels.figures import percentile

PLACES = 1  # days to one decimal
DAY_SECONDS = 86400.0


def days_between(start: datetime, end: datetime) -> float:
    """Elapsed days from ``start`` to ``end`` (naive values are UTC, as SQLite gives them)."""
    return (_aware(end) - _aware(start)).total_seconds() / DAY_SECONDS


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, PLACES)


@dataclass
class Durations:
    """The days of the records that got there (``done``) and the ages of the open ones."""

    done: list[float] = field(default_factory=list)
    open: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """``{"count", "median_days", "p90_days", "open": {"count", "median_days",
        "max_days"}}`` (None where there are no values)."""
        return {
            "count": len(self.done),
            "median_days": _days(percentile(self.done, 0.5)),
            "p90_days": _days(percentile(self.done, 0.9)),
            "open": open_figures(self.open),
        }


def open_figures(ages: Sequence[float]) -> dict[str, Any]:
    return {
        "count": len(ages),
        "median_days": _days(percentile(ages, 0.5)),
        "max_days": _days(max(ages)) if ages else None,
    }
