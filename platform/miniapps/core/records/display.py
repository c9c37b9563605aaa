"""Record data as readable rows: labels from titles, enum titles, Yes/No, repeat items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from miniapps.core.definitions.schema_fields import enum_choices, field_kind, resolve
from miniapps.core.pointers import pointer_join


@dataclass(frozen=True)
class DisplayRow:
    pointer: str
    label: str
    value: str  # plain text; the template escapes it
    depth: int  # nesting level, for indentation
    is_file: bool = False


LONDON = ZoneInfo("Europe/London")


def display_rows(
    schema: dict[str, Any], data: dict[str, Any], ui: dict[str, Any] | None = None
) -> list[DisplayRow]:
    """Every answered field of ``data`` in schema order (unanswered ones are left out)."""
    files = {
        p for p, spec in ((ui or {}).get("fields") or {}).items() if spec.get("widget") == "file"
    }
    rows: list[DisplayRow] = []
    _object_rows(resolve(schema, schema), schema, data, "", "", 0, files, rows)
    return rows


def _object_rows(
    schema: dict[str, Any],
    root: dict[str, Any],
    data: Any,
    pointer: str,
    generic: str,
    depth: int,
    files: set[str],
    rows: list[DisplayRow],
) -> None:
    if not isinstance(data, dict):
        return
    properties = _all_properties(schema, root)
    for key, sub in properties.items():
        if key not in data:
            continue
        sub = resolve(sub, root)
        here, generic_here = pointer_join(pointer, key), pointer_join(generic, key)
        label = str(sub.get("title") or key.replace("_", " ").capitalize())
        kind = field_kind(sub, root)
        value = data[key]
        if kind == "object":
            rows.append(DisplayRow(here, label, "", depth))
            _object_rows(sub, root, value, here, generic_here, depth + 1, files, rows)
        elif kind == "repeat" and isinstance(value, list):
            items = resolve(sub.get("items", {}), root)
            for index, item in enumerate(value):
                rows.append(
                    DisplayRow(pointer_join(here, index), f"{label} {index + 1}", "", depth)
                )
                _object_rows(
                    items,
                    root,
                    item,
                    pointer_join(here, index),
                    pointer_join(generic_here, "-"),
                    depth + 1,
                    files,
                    rows,
                )
        else:
            rows.append(
                DisplayRow(
                    here,
                    label,
                    format_value(sub, root, value),
                    depth,
                    is_file=generic_here in files,
                )
            )


def _all_properties(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    properties = dict(schema.get("properties") or {})
    for branch_key in ("then", "else"):
        branch = resolve(schema.get(branch_key), root)
        if isinstance(branch, dict):
            for key, sub in _all_properties(branch, root).items():
                properties.setdefault(key, sub)
    for branch in schema.get("allOf") or []:
        branch = resolve(branch, root)
        if isinstance(branch, dict):
            for key, sub in _all_properties(branch, root).items():
                properties.setdefault(key, sub)
    return properties


def format_value(schema: dict[str, Any], root: dict[str, Any], value: Any) -> str:
    """One value as text: enum titles, Yes/No, lists joined."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    titles = dict((repr(v), label) for v, label in enum_choices(schema))
    if isinstance(value, list):
        items = resolve(schema.get("items", {}), root)
        return ", ".join(
            format_value(items if isinstance(items, dict) else {}, root, v) for v in value
        )
    if repr(value) in titles:
        return titles[repr(value)]
    if isinstance(value, str) and schema.get("format") in ("date", "date-time"):
        return _format_date(value, schema["format"])
    return "" if value is None else str(value)


def _format_date(value: str, kind: str) -> str:
    """``2025-03-31`` → ``31 March 2025`` (GOV.UK style); a date-time with an offset in UK
    time (``2026-06-01T12:00:00Z`` → ``1 June 2026, 13:00``); unparseable text as it is."""
    try:
        if kind == "date":
            return date.fromisoformat(value).strftime("%-d %B %Y")
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:  # shown as UK time, what the reader lives by
            moment = moment.astimezone(LONDON)
        return moment.strftime("%-d %B %Y, %H:%M")
    except ValueError:
        return value
