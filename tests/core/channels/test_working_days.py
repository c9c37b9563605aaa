"""Working days and SLA deadlines on the shipped England and Wales calendar: Christmas and
Easter 2026, weekends, 0 days, British Summer Time, clock hours, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from miniapps.core.channels.calendar_file import shipped_calendar
from miniapps.core.channels.working_days import (
    LONDON,
    add_working_days,
    hours_deadline,
    is_working_day,
    working_day_deadline,
    working_days_between,
)

HOLIDAYS = frozenset(shipped_calendar())


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def due(sent: datetime, days: int) -> datetime:
    return working_day_deadline(sent, days, HOLIDAYS)


def test_christmas_2026_one_working_day_is_tuesday_29_december() -> None:
    # Thursday 24 December; Friday 25 is Christmas Day, 28 is Boxing Day's substitute.
    sent = london(2026, 12, 24, 10, 15)
    deadline = due(sent, 1)
    assert deadline == utc(2026, 12, 29, 23, 59, 59)  # GMT: London time is UTC
    local = deadline.astimezone(LONDON)
    assert (local.strftime("%A %d %B %Y"), local.time().isoformat()) == (
        "Tuesday 29 December 2026",
        "23:59:59",
    )
    assert deadline.tzinfo is UTC
    # Sent late in the evening: still Thursday's clock. Five working days: over New Year.
    assert due(london(2026, 12, 24, 23, 59), 1) == deadline
    assert due(sent, 5) == utc(2027, 1, 5, 23, 59, 59)
    # Without the bank holidays it would be the Friday.
    assert working_day_deadline(sent, 1, frozenset()) == utc(2026, 12, 25, 23, 59, 59)


def test_zero_days_is_the_day_sent() -> None:
    assert due(london(2026, 11, 9, 14, 0), 0) == utc(2026, 11, 9, 23, 59, 59)  # a Monday
    # Even on a day that is not a working day: nothing is due before it arrives.
    assert due(london(2026, 11, 7, 9, 0), 0) == utc(2026, 11, 7, 23, 59, 59)  # a Saturday
    assert due(london(2026, 12, 25, 9, 0), 0) == utc(2026, 12, 25, 23, 59, 59)


@pytest.mark.parametrize(
    ("sent", "days", "due_day"),
    [
        (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday -> Monday
        (date(2026, 11, 6), 5, date(2026, 11, 13)),  # Friday -> next Friday
        (date(2026, 11, 7), 1, date(2026, 11, 9)),  # Saturday -> Monday
        (date(2026, 11, 8), 1, date(2026, 11, 9)),  # Sunday -> Monday
        (date(2026, 11, 9), 1, date(2026, 11, 10)),  # Monday -> Tuesday
        (date(2026, 11, 5), 2, date(2026, 11, 9)),  # Thursday -> Monday
    ],
)
def test_weekends_are_not_working_days(sent: date, days: int, due_day: date) -> None:
    assert add_working_days(sent, days, HOLIDAYS) == due_day
    deadline = due(london(sent.year, sent.month, sent.day, 12, 0), days)
    assert deadline.astimezone(LONDON).date() == due_day


def test_easter_2026_skips_good_friday_and_easter_monday_in_summer_time() -> None:
    assert not is_working_day(date(2026, 4, 3), HOLIDAYS)  # Good Friday
    assert not is_working_day(date(2026, 4, 6), HOLIDAYS)  # Easter Monday
    sent = london(2026, 4, 2, 16, 30)  # Maundy Thursday, British Summer Time since 29 March
    assert due(sent, 1) == utc(2026, 4, 7, 22, 59, 59)  # 23:59:59 BST on Tuesday 7 April
    assert due(sent, 1).astimezone(LONDON) == london(2026, 4, 7, 23, 59, 59)
    assert due(sent, 2) == utc(2026, 4, 8, 22, 59, 59)


def test_summer_time_deadlines_are_an_hour_earlier_in_utc() -> None:
    sent = london(2026, 7, 15, 9, 0)  # Wednesday
    assert due(sent, 1) == utc(2026, 7, 16, 22, 59, 59)  # not 23:59:59 UTC
    # 23:30 UTC on Wednesday is already Thursday in London: Thursday's clock.
    assert due(utc(2026, 7, 15, 23, 30), 1) == utc(2026, 7, 17, 22, 59, 59)
    assert due(utc(2026, 7, 15, 22, 59), 1) == utc(2026, 7, 16, 22, 59, 59)
    # The week the clocks go back (Sunday 25 October 2026): Friday to Monday in GMT.
    assert due(london(2026, 10, 23, 12, 0), 1) == utc(2026, 10, 26, 23, 59, 59)


def test_naive_datetimes_are_utc() -> None:
    assert due(datetime(2026, 7, 15, 23, 30), 1) == due(utc(2026, 7, 15, 23, 30), 1)


def test_hours_are_clock_hours_through_nights_weekends_and_holidays() -> None:
    assert hours_deadline(utc(2026, 11, 9, 10, 0), 4) == utc(2026, 11, 9, 14, 0)
    assert hours_deadline(london(2026, 12, 24, 22, 0), 4) == utc(2026, 12, 25, 2, 0)
    assert hours_deadline(utc(2026, 11, 6, 16, 0), 1.5) == utc(2026, 11, 6, 17, 30)
    # The night the clocks go forward: four hours elapsed, not four on the wall clock.
    sent = london(2026, 3, 29, 0, 30)
    assert hours_deadline(sent, 4) - sent == timedelta(hours=4)
    assert hours_deadline(sent, 4).astimezone(LONDON) == london(2026, 3, 29, 5, 30)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(date(2026, 1, 5), -1, HOLIDAYS)


def test_working_days_between_counts_from_the_day_after() -> None:
    sent, deadline = london(2026, 12, 24, 10, 0), utc(2026, 12, 29, 23, 59, 59)
    assert working_days_between(sent, deadline, HOLIDAYS) == 1
    assert working_days_between(sent, sent, HOLIDAYS) == 0


# Properties: any moment sent within the shipped calendar's years.
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 11, 30), timezones=st.just(UTC)
)


@given(sent=moments, days=st.integers(min_value=1, max_value=30))
def test_the_due_day_is_a_working_day_n_working_days_on(sent: datetime, days: int) -> None:
    deadline = due(sent, days)
    local = deadline.astimezone(LONDON)
    assert local.time().isoformat() == "23:59:59"
    assert is_working_day(local.date(), HOLIDAYS)
    assert local.date() > sent.astimezone(LONDON).date()
    assert working_days_between(sent, deadline, HOLIDAYS) == days


@given(sent=moments, days=st.integers(min_value=0, max_value=30))
def test_deadlines_grow_with_the_number_of_days(sent: datetime, days: int) -> None:
    assert due(sent, days) > sent
    assert due(sent, days + 1) > due(sent, days)
    assert due(sent, 0).astimezone(LONDON).date() == sent.astimezone(LONDON).date()
