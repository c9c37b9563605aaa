"""The items of a record that become actions under its definition's ``follow_ups``.

``"follow_ups": {"items": "/checks", "where": {...}, "title": "/standard", "owner":
"/owner", "due": "/due"}``: each item of the repeating section ``/checks`` that matches
``where`` (the ``show_if`` language, tested against the item object; every item when
absent) is one action, titled by the item's ``title`` answer (a choice's title, not its
code), owned by whoever its ``owner`` answer names (free text, often an email address)
and due on its ``due`` date. Items are numbered by their place in the section, which is
what keeps an action tied to its item when the record is submitted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from miniapps.core.definitions.context import normalise
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.condition_language import matches
from miniapps.core.pointers import value_at
from miniapps.core.records.display import format_value

TITLE_LIMIT = 300
OWNER_LIMIT = 200
DEFAULT_CHASE_DAYS = 7


@dataclass(frozen=True)
class FollowUpItem:
    """One action an item asks for."""

    index: int  # the item's place in the section (0 is the first)
    title: str
    owner: str | None
    due: date | None


def follow_up_items(
    spec: dict[str, Any], data: Any, fields: dict[str, Field], root: dict[str, Any]
) -> list[FollowUpItem]:
    """The actions ``data`` asks for under ``spec`` (a definition's ``follow_ups``);
    ``fields`` are the definition's fields by pointer, for choice titles."""
    items = value_at(data, str(spec["items"]))
    if not isinstance(items, list):
        return []
    where = spec.get("where")
    found: list[FollowUpItem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or (where is not None and not matches(where, item)):
            continue
        title = _text(spec, "title", item, fields, root) or f"Item {index + 1}"
        owner = _text(spec, "owner", item, fields, root)
        due = _date(value_at(item, str(spec["due"]))) if "due" in spec else None
        found.append(
            FollowUpItem(index, title[:TITLE_LIMIT], owner[:OWNER_LIMIT] if owner else None, due)
        )
    return found


def chase_every_days(spec: dict[str, Any] | None) -> int:
    """Days between chasers of an overdue action (``chase_every_days``, default 7)."""
    return int((spec or {}).get("chase_every_days") or DEFAULT_CHASE_DAYS)


def _text(
    spec: dict[str, Any], member: str, item: dict[str, Any], fields: dict[str, Field], root: Any
) -> str | None:
    if member not in spec:
        return None
    inner = str(spec[member])
    value = value_at(item, inner)
    if value is None or value == "":
        return None
    field = fields.get(normalise(f"{spec['items']}/-{inner}"))
    text = format_value(field.schema, root, value) if field is not None else str(value)
    return " ".join(text.split()) or None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
