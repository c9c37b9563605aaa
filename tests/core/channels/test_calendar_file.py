"""Bank-holiday calendar files: GOV.UK's shape and the simple one, each problem at its
pointer, and the calendar shipped with the package."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from miniapps.core.channels.calendar_file import parse_calendar, shipped_calendar
from miniapps.core.errors import DataInvalid

# Domain guide: England and Wales bank holidays (2026: 28 Dec is Boxing Day's substitute).
DAYS_2026 = ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"]
DAYS_2027 = ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"]


def issues(raw: Any) -> list[tuple[str, str]]:
    with pytest.raises(DataInvalid) as caught:
        parse_calendar(raw)
    return [(issue.pointer, issue.message) for issue in caught.value.issues]


def test_gov_uk_shape_uses_england_and_wales_only() -> None:
    raw = {
        "england-and-wales": {
            "division": "england-and-wales",
            "events": [
                {
                    "title": "Boxing Day",
                    "date": "2026-12-28",
                    "notes": "Substitute day",
                    "bunting": True,
                },
                {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": True},
            ],
        },
        "scotland": {
            "division": "scotland",
            "events": [{"title": "2nd January", "date": "2026-01-02"}],
        },
        "northern-ireland": {"division": "northern-ireland", "events": []},
    }
    days = parse_calendar(raw)
    assert days == {date(2026, 12, 25): "Christmas Day", date(2026, 12, 28): "Boxing Day"}
    assert list(days) == sorted(days)  # oldest first


def test_simple_shape() -> None:
    raw = {"events": [{"date": "2026-12-25", "title": "  Christmas Day "}]}
    assert parse_calendar(raw) == {date(2026, 12, 25): "Christmas Day"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], [("", "A calendar must be a JSON object")]),
        ({"england-and-wales": []}, [("/england-and-wales", "must be an object with 'events'")]),
        ({}, [("/events", "must be a non-empty list of bank holidays")]),
        ({"events": []}, [("/events", "must be a non-empty list of bank holidays")]),
        (
            {"events": {"date": "2026-12-25"}},
            [("/events", "must be a non-empty list of bank holidays")],
        ),
        (
            {"england-and-wales": {"events": "none"}},
            [("/england-and-wales/events", "must be a non-empty list of bank holidays")],
        ),
    ],
)
def test_the_shape_is_checked_at_its_pointer(raw: Any, expected: list[tuple[str, str]]) -> None:
    assert issues(raw) == expected


def test_every_bad_event_is_reported_at_its_pointer() -> None:
    raw = {
        "england-and-wales": {
            "events": [
                {"date": "2026-12-25", "title": "Christmas Day"},
                "2026-12-28",
                {"date": "2026-05-04"},
                {"date": "25/12/2026", "title": "Christmas"},
                {"date": "2026-12-25", "title": "Christmas again"},
                {"date": "2026-02-30", "title": "   "},
            ]
        }
    }
    base = "/england-and-wales/events"
    assert issues(raw) == [
        (f"{base}/1", "must be an object with 'date' and 'title'"),
        (f"{base}/2/title", "enter the holiday's name"),
        (f"{base}/3/date", "must be a date such as 2026-12-25"),
        (f"{base}/4/date", "2026-12-25 is listed twice"),
        (f"{base}/5/title", "enter the holiday's name"),
        (f"{base}/5/date", "must be a date such as 2026-12-25"),
    ]


def test_the_shipped_calendar_has_the_domain_guides_2026_and_2027_days() -> None:
    shipped = shipped_calendar()
    for year, days in ((2026, DAYS_2026), (2027, DAYS_2027)):
        listed = [d.strftime("%m-%d") for d in shipped if d.year == year]
        assert listed == days, year
    assert shipped[date(2026, 12, 28)].startswith("Boxing Day")
    assert {d.year for d in shipped} == {2025, 2026, 2027, 2028}
    assert all(d.weekday() < 5 for d in shipped)  # substitute days move off weekends
