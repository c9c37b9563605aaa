"""Bank-holiday calendars as data: the England and Wales calendar shipped with the
package (2025 to 2028), and the files an admin may load to replace it.

Accepted shapes: GOV.UK's ``bank-holidays.json`` (the ``england-and-wales`` division is
used) or ``{"events": [{"date": "2026-12-25", "title": "Christmas Day"}, ...]}``.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.pointers import pointer_join

DIVISION = "england-and-wales"


def parse_calendar(raw: Any) -> dict[date, str]:
    """``{day: title}`` from a calendar document, or :class:`DataInvalid` naming each
    problem at its JSON pointer."""
    if not isinstance(raw, dict):
        raise DataInvalid([Issue("", "A calendar must be a JSON object")])
    base = ""
    if DIVISION in raw:
        raw, base = raw[DIVISION], f"/{DIVISION}"
        if not isinstance(raw, dict):
            raise DataInvalid([Issue(base, "must be an object with 'events'")])
    events = raw.get("events")
    if not isinstance(events, list) or not events:
        raise DataInvalid([Issue(base + "/events", "must be a non-empty list of bank holidays")])
    days: dict[date, str] = {}
    issues: list[Issue] = []
    for i, event in enumerate(events):
        at = pointer_join(base + "/events", i)
        if not isinstance(event, dict):
            issues.append(Issue(at, "must be an object with 'date' and 'title'"))
            continue
        title = event.get("title")
        if not isinstance(title, str) or not title.strip():
            issues.append(Issue(at + "/title", "enter the holiday's name"))
        try:
            day = date.fromisoformat(str(event.get("date")))
        except ValueError:
            issues.append(Issue(at + "/date", "must be a date such as 2026-12-25"))
            continue
        if day in days:
            issues.append(Issue(at + "/date", f"{day.isoformat()} is listed twice"))
        days[day] = str(title or "").strip()
    if issues:
        raise DataInvalid(issues)
    return dict(sorted(days.items()))


@cache
def shipped_calendar() -> dict[date, str]:
    """The England and Wales bank holidays shipped with the package."""
    text = resources.files(__package__).joinpath("bank_holidays.json").read_text("utf-8")
    return parse_calendar(json.loads(text))
