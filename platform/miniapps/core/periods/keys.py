"""Reporting periods of periodic apps, as strings that sort in time order.

monthly ``2025-04``, quarterly ``2025-Q1``, yearly ``2025``, weekly ``2025-W07`` (ISO).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

FREQUENCIES = ("none", "weekly", "monthly", "quarterly", "yearly")

# The written form of a period of each frequency, with an example for messages.
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PERIOD_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "monthly": (MONTH, "2025-04"),
    "quarterly": (re.compile(r"^\d{4}-Q[1-4]$"), "2025-Q1"),
    "yearly": (re.compile(r"^\d{4}$"), "2025"),
    "weekly": (re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"), "2025-W07"),
}


def is_period(value: object) -> bool:
    """Whether ``value`` is a period of any frequency (``2025-04``, ``2025-Q1``, ...)."""
    return isinstance(value, str) and any(p.match(value) for p, _ in PERIOD_SHAPES.values())


def period_of(day: date, frequency: str) -> str | None:
    """The period containing ``day`` (None for apps without periods)."""
    if frequency == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    if frequency == "quarterly":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if frequency == "yearly":
        return f"{day.year:04d}"
    if frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return None


def recent_periods(today: date, frequency: str, count: int) -> list[str]:
    """The ``count`` periods up to and including today's, newest first."""
    periods: list[str] = []
    year, month = today.year, today.month
    step = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(frequency)
    if step is None:
        current = period_of(today, frequency)
        return [current] if current else []
    while len(periods) < count:
        periods.append(period_of(date(year, month, 1), frequency) or "")
        month -= step
        while month < 1:
            month += 12
            year -= 1
    return periods


def previous_period(period: str) -> str | None:
    """The period before ``period`` of the same shape (``2025-04`` → ``2025-03``,
    ``2025-Q1`` → ``2024-Q4``, ``2025`` → ``2024``, ``2025-W01`` → ``2024-W52``), else None."""
    try:
        if len(period) == 4:
            return f"{int(period) - 1:04d}"
        year, part = period[:4], period[5:]
        if part.startswith("Q"):
            quarter = int(part[1:])
            return f"{int(year) - 1:04d}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
        if part.startswith("W"):
            monday = date.fromisocalendar(int(year), int(part[1:]), 1)
            return period_of(monday - timedelta(days=7), "weekly")
        month = int(part)
        return f"{int(year) - 1:04d}-12" if month == 1 else f"{year}-{month - 1:02d}"
    except ValueError:
        return None


def period_label(period: str | None) -> str:
    """``2025-04`` → ``April 2025``; other shapes are shown as they are."""
    if not period:
        return ""
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return date(int(period[:4]), int(period[5:]), 1).strftime("%B %Y")
    return period
