"""Arithmetic of the channel dashboard: percentiles of durations, and months in London.

Percentiles interpolate linearly between the closest ranks (Hyndman and Fan's type 7,
the default of numpy and R, and Excel's ``PERCENTILE.INC``): for ``n`` sorted values
the ``p``-th percentile sits at rank ``(n - 1) * p`` counted from 0, between the two
values either side of it. The median is the 50th percentile, so it is the middle value,
or the mean of the two middle values. One value is every percentile of itself.

Months are London calendar months written ``2026-04``, the way periods are: an item
sent at 00:30 on 1 June British Summer Time (23:30 UTC on 31 May) counts in June.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from miniapps.core.channels.working_days import LONDON
from miniapps.core.periods.keys import MONTH


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The ``fraction`` (0 to 1) percentile of ``values`` by linear interpolation between
    closest ranks (type 7); None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Spread:
    """How many durations there were, their median and 90th percentile (None if none)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float], places: int = 2) -> Spread:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, places)

        return cls(len(values), rounded(percentile(values, 0.5)), rounded(percentile(values, 0.9)))


def hours_between(start: datetime, end: datetime) -> float:
    """Clock hours from ``start`` to ``end`` (naive values are UTC, as SQLite gives them)."""
    return (_aware(end) - _aware(start)).total_seconds() / 3600


def london_month(moment: datetime) -> str:
    """The London calendar month of ``moment``: ``2026-04``."""
    local = _aware(moment).astimezone(LONDON)
    return f"{local.year:04d}-{local.month:02d}"


def is_month(text: str) -> bool:
    """``2026-04``: a month whose start and end London can say (not 0000-01, not 9999-12)."""
    if not MONTH.match(text):
        return False
    try:
        month_start(text)
        month_start(next_month(text))
    except (ValueError, OverflowError):
        return False
    return True


def month_start(month: str) -> datetime:
    """Midnight London time on the first day of ``month`` (``2026-04``), in UTC."""
    match = MONTH.match(month)
    if match is None:
        raise ValueError(f"{month!r} is not a month written like 2026-04")
    year, number = int(match.group(1)), int(match.group(2))
    return datetime(year, number, 1, tzinfo=LONDON).astimezone(UTC)


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def months_from_to(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (none when ``last`` is earlier)."""
    months: list[str] = []
    month = first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
