"""What an inbox row says about time: London time, working-day deadlines as the day alone,
and each clock's state (running, overdue, stopped, stopped late, closed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from miniapps.web.inbox.rows import Clock, iso, london


def test_london_shows_local_time_and_deadlines_as_the_day() -> None:
    # Winter (GMT): 23:59:59 UTC is the end of the London day.
    assert london(datetime(2026, 12, 29, 23, 59, 59, tzinfo=UTC)) == "29 Dec 2026"
    # Summer (BST): the end of 1 July in London is 22:59:59 UTC; 13:05 UTC is 14:05.
    assert london(datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC)) == "1 Jul 2026"
    assert london(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == "1 Jul 2026, 14:05"
    # SQLite gives naive UTC times back.
    assert london(datetime(2026, 7, 1, 13, 5)) == "1 Jul 2026, 14:05"
    assert london(None) == "" and iso(None) == ""
    assert iso(datetime(2026, 7, 1, 13, 5, 7, 123456)) == "2026-07-01T13:05:07+00:00"
    assert iso(datetime(2026, 7, 1, 13, 5, 7, 123456), exact=True).endswith(".123456+00:00")


def test_clock_states() -> None:
    now = datetime(2026, 12, 29, 12, tzinfo=UTC)
    due = now - timedelta(hours=1)
    assert Clock(due, None, now).overdue
    assert not Clock(now + timedelta(hours=1), None, now).overdue
    assert not Clock(due, None, now, closed=True).overdue  # closed: no longer due
    assert not Clock(None, None, now).overdue  # no such deadline
    stopped_late = Clock(due, now, now)
    assert stopped_late.late and not stopped_late.overdue
    assert not Clock(now, due, now).late
