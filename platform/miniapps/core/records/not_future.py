"""``"x-not-future": true``: a date or date-time that must not lie after now.

A record schema may mark a string field with ``"format": "date"`` or ``"date-time"``
``"x-not-future": true`` (when something happened cannot be tomorrow). A date is in
the future when it is after today in London; a date-time when it is later than now.
Such a value is wrong whatever else is answered, so it is refused in drafts and on
submission alike, by :func:`miniapps.core.records.check.check_record`, at the value's
pointer (``/occurred_at``, ``/actions/2/done_on``).

JSON Schema ignores keywords it does not know, so the schema itself still validates
against the 2020-12 meta-schema; the definition checker refuses the keyword on any
other kind of field (:mod:`miniapps.core.definitions.not_future_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.records.issue_context import in_context

KEYWORD = "x-not-future"
DATE_FORMATS = ("date", "date-time")
LONDON = ZoneInfo("Europe/London")


def is_not_future_field(field: Field) -> bool:
    """Whether ``field`` carries ``"x-not-future": true`` on a date or date-time string."""
    schema = field.schema
    return (
        schema.get(KEYWORD) is True
        and field.kind == "string"
        and schema.get("format") in DATE_FORMATS
    )


def london_today(now: datetime) -> date:
    """Today's date in London at ``now`` (a naive ``now`` is UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def is_future(value: Any, fmt: str, now: datetime) -> bool:
    """Whether ``value`` (a date or an RFC 3339 date-time) lies after ``now``.

    A value that is not a date (or date-time) at all is not "in the future": the
    ``format`` check reports it."""
    if not isinstance(value, str):
        return False
    aware_now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    try:
        if fmt == "date":
            return date.fromisoformat(value) > london_today(aware_now)
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    if moment.tzinfo is None:  # not RFC 3339 (the format check says so): read as London time
        moment = moment.replace(tzinfo=LONDON)
    return moment > aware_now


def future_issues(schema: dict[str, Any], data: Any, now: datetime) -> list[Issue]:
    """One issue per value of an ``x-not-future`` field of ``data`` that is after ``now``,
    at its pointer (items of repeating sections and nested objects included)."""
    marked, fields = _marked_fields(json.dumps(schema, sort_keys=True))
    issues: list[Issue] = []
    for pattern, fmt, title in marked:
        for pointer, value in _values(data, pointer_parts(pattern), ""):
            if is_future(value, fmt, now):
                message = in_context(f"{title} must not be in the future", pointer, fields)
                issues.append(Issue(pointer, message, KEYWORD))
    return issues


@lru_cache(maxsize=256)
def _marked_fields(
    schema_json: str,
) -> tuple[tuple[tuple[str, str, str], ...], dict[str, Field]]:
    schema = json.loads(schema_json)
    fields = {f.pointer: f for f in iter_fields(schema)}
    marked = tuple(
        (f.pointer, str(f.schema["format"]), f.title)
        for f in fields.values()
        if is_not_future_field(f)
    )
    return marked, fields


def _values(data: Any, tokens: list[str], base: str) -> Iterator[tuple[str, Any]]:
    """(pointer, value) for every value a field pattern names (``-``: each item)."""
    if not tokens:
        yield base, data
        return
    head, rest = tokens[0], tokens[1:]
    if head == "-":
        for index, item in enumerate(data if isinstance(data, list) else []):
            yield from _values(item, rest, pointer_join(base, index))
    elif isinstance(data, dict) and head in data:
        yield from _values(data[head], rest, pointer_join(base, head))
