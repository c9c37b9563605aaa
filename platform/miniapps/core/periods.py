"""Reporting periods of periodic apps, as strings that sort in time order.

monthly ``2025-04``, quarterly ``2025-Q1``, yearly ``2025``, weekly ``2025-W07`` (ISO).
"""

from __future__ import annotations

from datetime import date

FREQUENCIES = ("none", "weekly", "monthly", "quarterly", "yearly")


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


def period_label(period: str | None) -> str:
    """``2025-04`` → ``April 2025``; other shapes are shown as they are."""
    if not period:
        return ""
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return date(int(period[:4]), int(period[5:]), 1).strftime("%B %Y")
    return period
