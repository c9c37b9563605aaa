"""Dates bounded by today: ``"x-not-future": true`` and ``"x-not-past": true``.

A record schema may mark a string field with ``"format": "date"`` or ``"date-time"``

* ``"x-not-future": true``: when something happened cannot be tomorrow. Such a value is
  wrong whatever else is answered, so it is refused in drafts and on submission alike,
  every time the data is checked;
* ``"x-not-past": true``: a date still to come (a risk's review date, the review date a
  policy's owner chooses). It is refused when it is new or changed and lies before
  today; a stored value the calendar has since overtaken stays (the record is not made
  unsaveable by time passing), so only the values that differ from the stored data are
  checked (:func:`bound_issues` ``stored``).

"Today" is the date in London; a date-time is compared with now. Both are refused by
:func:`miniapps.core.records.check.check_record`, at the value's pointer
(``/occurred_at``, ``/actions/2/due``).

JSON Schema ignores keywords it does not know, so the schema itself still validates
against the 2020-12 meta-schema; the definition checker refuses the keywords on any
other kind of field (:mod:`miniapps.core.definitions.date_bound_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.errors import Issue
from miniapps.core.pointers import pattern_values
from miniapps.core.records.issue_context import in_context
from miniapps.core.records.schema_facts import SchemaCache, field_index

NOT_FUTURE = "x-not-future"
NOT_PAST = "x-not-past"
DATE_FORMATS = ("date", "date-time")
LONDON = ZoneInfo("Europe/London")


def london_today(now: datetime) -> date:
    """Today's date in London at ``now`` (a naive ``now`` is UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def compare_with_now(value: Any, fmt: str, now: datetime) -> int | None:
    """-1, 0 or 1 as ``value`` (a date or an RFC 3339 date-time) lies before, at or after
    ``now`` (a date: today in London). None for a value that is not a date (or
    date-time) at all: the ``format`` check reports it."""
    if not isinstance(value, str):
        return None
    aware_now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    try:
        if fmt == "date":
            day, today = date.fromisoformat(value), london_today(aware_now)
            return (day > today) - (day < today)
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    if moment.tzinfo is None:  # not RFC 3339 (the format check says so): read as London time
        moment = moment.replace(tzinfo=LONDON)
    return (moment > aware_now) - (moment < aware_now)


def is_future(value: Any, fmt: str, now: datetime) -> bool:
    """Whether ``value`` (a date or an RFC 3339 date-time) lies after ``now``."""
    return compare_with_now(value, fmt, now) == 1


def is_past(value: Any, fmt: str, now: datetime) -> bool:
    """Whether ``value`` (a date or an RFC 3339 date-time) lies before ``now`` (a date:
    before today in London)."""
    return compare_with_now(value, fmt, now) == -1


@dataclass(frozen=True)
class DateBound:
    """One keyword: which values break it and what is said about them."""

    keyword: str
    breaks: Callable[[Any, str, datetime], bool]
    wording: str  # after the field's title: "must not be in the future"
    changes_only: bool  # checked only where the value is new or changed


BOUNDS: dict[str, DateBound] = {
    NOT_FUTURE: DateBound(NOT_FUTURE, is_future, "must not be in the future", False),
    NOT_PAST: DateBound(NOT_PAST, is_past, "must not be in the past", True),
}


def is_bounded(field: Field, keyword: str) -> bool:
    """Whether ``field`` carries ``keyword: true`` on a date or date-time string."""
    schema = field.schema
    return (
        schema.get(keyword) is True
        and field.kind == "string"
        and schema.get("format") in DATE_FORMATS
    )


def is_not_future_field(field: Field) -> bool:
    """Whether ``field`` carries ``"x-not-future": true`` on a date or date-time string."""
    return is_bounded(field, NOT_FUTURE)


def bound_issues(
    schema: dict[str, Any], data: Any, now: datetime, stored: Any = None
) -> list[Issue]:
    """One issue per value of a bounded field of ``data`` that breaks its bound at
    ``now``, at its pointer (items of repeating sections and nested objects included).

    ``stored``: the record's data as stored (None for a new record). An ``x-not-past``
    value the field already held there (in any item, so reordering a section changes
    nothing) is not checked again."""
    marked, fields = _MARKED(schema)
    issues: list[Issue] = []
    for pattern, fmt, title, keyword in marked:
        bound = BOUNDS[keyword]
        kept: set[str] = set()
        if bound.changes_only and stored is not None:
            kept = {json.dumps(v) for _, v in pattern_values(stored, pattern)}
        for pointer, value in pattern_values(data, pattern):
            if json.dumps(value) in kept or not bound.breaks(value, fmt, now):
                continue
            message = in_context(f"{title} {bound.wording}", pointer, fields)
            issues.append(Issue(pointer, message, keyword))
    return issues


Marked = tuple[tuple[tuple[str, str, str, str], ...], dict[str, Field]]


def _marked_fields(schema: dict[str, Any]) -> Marked:
    fields = field_index(schema)
    marked = tuple(
        (f.pointer, str(f.schema["format"]), f.title, keyword)
        for f in fields.values()
        for keyword in BOUNDS
        if is_bounded(f, keyword)
    )
    return marked, fields


# The bounded fields of each schema (none for most: then nothing is walked per record).
_MARKED: SchemaCache[Marked] = SchemaCache(_marked_fields)
