"""``miniapps calendar load`` and ``calendar list``: both file shapes, a bad file changes
nothing, and new deadlines count on the calendar loaded."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from miniapps.models import AuditEntry, BankHoliday
from miniapps.services.channels.calendar import calendar_days
from miniapps.services.channels.sending import send_on_events
from miniapps.services.definitions import record_definition
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import select

CHRISTMAS_EVE = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)  # a Thursday
SIMPLE = {
    "events": [
        {"date": "2026-12-25", "title": "Christmas Day"},
        {"date": "2027-01-01", "title": "New Year's Day"},
    ]
}
GOV_UK = {
    "england-and-wales": {
        "division": "england-and-wales",
        "events": [
            {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": True},
            {
                "title": "Boxing Day",
                "date": "2026-12-28",
                "notes": "Substitute day",
                "bunting": True,
            },
            {"title": "New Year's Day", "date": "2027-01-01", "notes": "", "bunting": True},
        ],
    },
    "scotland": {
        "division": "scotland",
        "events": [{"title": "2nd January", "date": "2027-01-04"}],
    },
}


def write(tmp_path: Path, raw: Any, name: str = "calendar.json") -> Path:
    path = tmp_path / name
    path.write_text(raw if isinstance(raw, str) else json.dumps(raw))
    return path


def test_list_shows_the_shipped_calendar_until_one_is_loaded(runner, db_session) -> None:
    result = runner.invoke(args=["calendar", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "calendar: shipped with miniapps (England and Wales), 32 bank holidays, "
        "2025-01-01 to 2028-12-26"
    )
    assert lines[1].split() == ["date", "day", "title"]
    assert "2026-12-28  Mon  Boxing Day (substitute day)" in lines


def test_load_the_simple_shape_then_list_it(runner, db_session, tmp_path: Path) -> None:
    result = runner.invoke(args=["calendar", "load", str(write(tmp_path, SIMPLE))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "loaded 2 bank holidays, 2026-12-25 to 2027-01-01"
    lines = runner.invoke(args=["calendar", "list"]).stdout.splitlines()
    assert lines[0].startswith("calendar: loaded ")
    assert lines[0].endswith(" UTC, 2 bank holidays, 2026-12-25 to 2027-01-01")
    assert lines[2:] == ["2026-12-25  Fri  Christmas Day", "2027-01-01  Fri  New Year's Day"]
    [audit] = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar_load"))
    assert audit.changes[0]["new"] == "2 days, 2026-12-25 to 2027-01-01"


def test_load_the_gov_uk_shape_uses_england_and_wales(runner, db_session, tmp_path: Path) -> None:
    result = runner.invoke(args=["calendar", "load", str(write(tmp_path, GOV_UK))])
    assert result.exit_code == 0, result.output
    assert list(calendar_days(db_session)) == [
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
    ]  # not Scotland's 4 January


def test_a_bad_file_prints_pointer_lines_and_changes_nothing(
    runner, db_session, tmp_path: Path
) -> None:
    runner.invoke(args=["calendar", "load", str(write(tmp_path, SIMPLE, "good.json"))])
    bad_events = {
        "england-and-wales": {
            "events": [
                {"date": "2026-12-25", "title": "Christmas Day"},
                {"date": "28/12/2026", "title": "Boxing Day"},
                {"date": "2026-12-25"},
            ]
        }
    }
    cases = {
        "events.json": (
            bad_events,
            [
                ":/england-and-wales/events/1/date: must be a date such as 2026-12-25",
                ":/england-and-wales/events/2/title: enter the holiday's name",
                ":/england-and-wales/events/2/date: 2026-12-25 is listed twice",
            ],
        ),
        "empty.json": ({"events": []}, [":/events: must be a non-empty list of bank holidays"]),
        "list.json": ([], [":: A calendar must be a JSON object"]),
        "broken.json": (
            "{",
            [
                ":: is not valid JSON: expecting property name enclosed in double quotes "
                "at line 1, column 2"
            ],
        ),
    }
    for name, (raw, expected) in cases.items():
        path = write(tmp_path, raw, name)
        result = runner.invoke(args=["calendar", "load", str(path)])
        assert result.exit_code == 1, name
        assert result.stdout.splitlines() == [f"{path}{line}" for line in expected]
        assert "the calendar was not changed" in result.stderr
    missing = runner.invoke(args=["calendar", "load", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1
    assert missing.stdout.strip() == f"{tmp_path / 'nope.json'}:: file not found"
    # Still the calendar loaded first, loaded once.
    assert list(calendar_days(db_session)) == [date(2026, 12, 25), date(2027, 1, 1)]
    assert len(db_session.scalars(select(BankHoliday)).all()) == 2
    audits = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar_load"))
    assert len(audits.all()) == 1


def test_deadlines_count_on_the_loaded_calendar(
    runner, db_session, orgs, users, concern_app, tmp_path: Path
) -> None:
    def acknowledge_by() -> datetime:
        staff = users["practice_staff"]
        data = {"kind": "adult", "summary": "x"}
        record = create_record(
            db_session, Access(staff), concern_app, orgs["A00001"], data, actor=staff
        )
        record.status = "sent"
        definition = record_definition(db_session, record)
        events = ["action:send", "state:sent", "submitted"]
        [item] = send_on_events(db_session, record, definition, events, staff, None, CHRISTMAS_EVE)
        db_session.commit()
        assert item.acknowledge_by is not None
        return item.acknowledge_by.replace(tzinfo=UTC)

    # Shipped calendar: 25 and 28 December are bank holidays -> Tuesday 29 December.
    assert acknowledge_by() == datetime(2026, 12, 29, 23, 59, 59, tzinfo=UTC)
    # A calendar without 28 December 2026: Monday 28 December.
    assert runner.invoke(args=["calendar", "load", str(write(tmp_path, SIMPLE))]).exit_code == 0
    assert acknowledge_by() == datetime(2026, 12, 28, 23, 59, 59, tzinfo=UTC)
