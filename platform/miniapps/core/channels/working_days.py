"""Working days and SLA deadlines.

Working days are Monday to Friday except the bank holidays given. Due N working days
after sending means 23:59:59 Europe/London on the Nth working day after the day sent,
counted from the day after (0: the day sent itself, even when that day is not a working
day, so nothing sent is due before it arrives). Hours are clock hours.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(day: date, days: int, holidays: Collection[date]) -> date:
    """The ``days``-th working day after ``day`` (``day`` itself for 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, left = day, days
    while left:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
    return current


def working_day_deadline(sent_at: datetime, days: int, holidays: Collection[date]) -> datetime:
    """23:59:59 Europe/London on the ``days``-th working day after the London day of
    ``sent_at``, in UTC."""
    sent_day = _aware(sent_at).astimezone(LONDON).date()
    due_day = add_working_days(sent_day, days, holidays)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


def hours_deadline(sent_at: datetime, hours: float) -> datetime:
    return _aware(sent_at).astimezone(UTC) + timedelta(hours=hours)


def working_days_between(start: datetime, end: datetime, holidays: Collection[date]) -> int:
    """Working days from the London day after ``start`` to the London day of ``end``."""
    first = _aware(start).astimezone(LONDON).date()
    last = _aware(end).astimezone(LONDON).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, holidays)
    return count


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
