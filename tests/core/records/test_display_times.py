"""Date-times are shown in UK time, whatever offset they were stored with."""

from __future__ import annotations

from miniapps.core.records.display import format_value

DATE_TIME = {"type": "string", "format": "date-time"}


def test_date_times_read_in_uk_time() -> None:
    assert format_value(DATE_TIME, {}, "2026-06-01T12:00:00Z") == "1 June 2026, 13:00"  # BST
    assert format_value(DATE_TIME, {}, "2026-12-01T12:00:00+00:00") == "1 December 2026, 12:00"
    assert format_value(DATE_TIME, {}, "2026-12-01T12:00:00") == "1 December 2026, 12:00"
    assert format_value(DATE_TIME, {}, "not a time") == "not a time"
