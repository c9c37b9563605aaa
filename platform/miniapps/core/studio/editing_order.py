"""The order fields are shown in, as the form compiler works it out, and keeping it
simple: after a studio edit the ``properties`` of an object are in the order the form
shows them, so "up", "down" and "an earlier question" mean what the user sees.

The form shows ``ui.order`` first, then ``ui.sections`` (each section's fields in its
listed order), then the fields in no section, in ``properties`` order. The studio
writes no ``ui.order`` for the objects it reorders: it moves the properties instead.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.pointers import pointer_parts
from miniapps.core.studio.editing_base import holder_at, parent_of
from miniapps.core.studio.field_kinds import data_pattern


def entry_key(entry: Any) -> str:
    """A ``ui.sections``/``ui.order`` entry (``reading`` or ``/reading``) → its top-level key."""
    text = str(entry)
    if text.startswith("/"):
        parts = pointer_parts(text)
        return parts[0] if len(parts) == 1 else text
    return text


def sections_of(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """``ui.sections`` (``[]`` when there are none)."""
    sections = (definition.get("ui") or {}).get("sections") or []
    return [s for s in sections if isinstance(s, dict)] if isinstance(sections, list) else []


def section_index(definition: dict[str, Any]) -> dict[str, int]:
    """Top-level key → the index of the section holding it (its first, if listed twice)."""
    found: dict[str, int] = {}
    for index, section in enumerate(sections_of(definition)):
        for entry in section.get("fields") or []:
            found.setdefault(entry_key(entry), index)
    return found


def _order_entries(definition: dict[str, Any], parent: str) -> list[str]:
    """The keys ``ui.order`` lists for children of ``parent``, in order."""
    keys = []
    for entry in (definition.get("ui") or {}).get("order") or []:
        text = str(entry)
        pointer = text if text.startswith("/") else "/" + text
        if parent_of(pointer) == parent:
            keys.append(pointer_parts(data_pattern(pointer))[-1])
    return keys


def sibling_order(definition: dict[str, Any], parent: str) -> list[str]:
    """The keys of ``parent``'s fields (its ``properties``) in the order the form shows them."""
    holder = holder_at(definition, parent)
    if holder is None:
        return []
    keys = list((holder.get("properties") or {}).keys())
    listed = _order_entries(definition, parent)
    rank = {key: i for i, key in reversed(list(enumerate(listed)))}
    rest = sorted(keys, key=lambda k: (rank.get(k, len(listed)), keys.index(k)))
    if parent or not sections_of(definition):
        return rest
    placed = section_index(definition)
    sectioned = sorted(
        (k for k in keys if k in placed),
        key=lambda k: (placed[k], _position_in_section(definition, placed[k], k)),
    )
    return sectioned + [k for k in rest if k not in placed]


def _position_in_section(definition: dict[str, Any], index: int, key: str) -> int:
    entries = [entry_key(e) for e in sections_of(definition)[index].get("fields") or []]
    return entries.index(key)


def put_in_order(definition: dict[str, Any], parent: str, keys: list[str]) -> None:
    """Rewrite ``parent``'s ``properties`` in the order ``keys`` and drop the ``ui.order``
    entries of its fields (their order is now the properties'). In place."""
    holder = holder_at(definition, parent)
    if holder is None:
        return
    properties = holder.get("properties") or {}
    holder["properties"] = {key: properties[key] for key in keys if key in properties} | {
        key: value for key, value in properties.items() if key not in keys
    }
    ui = definition.get("ui")
    if isinstance(ui, dict) and isinstance(ui.get("order"), list):
        ui["order"] = [
            e
            for e in ui["order"]
            if parent_of(str(e) if str(e).startswith("/") else "/" + str(e)) != parent
        ]
        if not ui["order"]:
            del ui["order"]


def normalise_order(definition: dict[str, Any], parent: str) -> None:
    """Make ``parent``'s properties follow the order the form shows (in place)."""
    put_in_order(definition, parent, sibling_order(definition, parent))


def write_sections(definition: dict[str, Any], membership: dict[str, int | None]) -> None:
    """Rewrite each section's ``fields`` from ``membership`` (key → section index or None),
    in the top level's properties order, keeping each entry's spelling. In place."""
    sections = sections_of(definition)
    spelling = {entry_key(e): e for s in sections for e in s.get("fields") or []}
    holder = holder_at(definition, "") or {}
    keys = list((holder.get("properties") or {}).keys())
    for index, section in enumerate(sections):
        section["fields"] = [spelling.get(k, k) for k in keys if membership.get(k) == index]
