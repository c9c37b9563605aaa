"""Sections: the pages of the form (``ui.sections``), each holding top-level questions.

The engine wants every section to hold at least one question, so a new section takes
the questions in no section (shown after every section), or else the last question of
the last section: either way the form keeps its order. Deleting a section lets its
questions fall to "no section"; a question leaving a section as its only one is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    clean_label,
    copied,
    label_of,
    locate,
    member,
)
from miniapps.core.studio.editing_order import (
    normalise_order,
    section_index,
    sections_of,
    sibling_order,
    write_sections,
)

MAX_SECTION_DESCRIPTION = 2_000


def _at(index: int) -> str:
    return f"/ui/sections/{index}"


def _section(definition: dict[str, Any], index: int) -> dict[str, Any]:
    sections = sections_of(definition)
    if not 0 <= index < len(sections):
        raise EditRefused(_at(index), f"there is no section {index + 1}")
    return sections[index]


def _description(text: str, at: str) -> str:
    text = text.strip()
    if len(text) > MAX_SECTION_DESCRIPTION:
        raise EditRefused(at, f"a description is at most {MAX_SECTION_DESCRIPTION:,} characters")
    return text


def _ui_sections(definition: dict[str, Any]) -> list[Any]:
    ui = member(definition, "ui", "/ui")
    if not isinstance(ui.get("sections"), list):
        ui["sections"] = []
    sections: list[Any] = ui["sections"]
    return sections


def add_section(
    definition: dict[str, Any],
    title: str,
    description: str = "",
    *,
    fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Add a section at the end. It takes ``fields`` (top-level pointers) when given,
    else the questions in no section, else the last question of the last section."""
    at = _at(len(sections_of(definition)))
    text = clean_label(title, at, "section")
    about = _description(description, at)
    edited = copied(definition)
    normalise_order(edited, "")
    order = sibling_order(edited, "")
    placed = section_index(edited)
    if fields is not None:
        keys = [_top_key(edited, f) for f in fields]
    else:
        keys = [k for k in order if k not in placed]
        if not keys and placed:
            last = max(placed.values())
            mine = [k for k in order if placed[k] == last]
            keys = mine[-1:] if len(mine) > 1 else []
    if not keys:
        raise EditRefused(at, "a section needs at least one question: add a question first")
    section: dict[str, Any] = {"title": text, "fields": []}
    if about:
        section["description"] = about
    sections = _ui_sections(edited)
    sections.append(section)
    membership: dict[str, int | None] = {k: placed.get(k) for k in order}
    membership.update({k: len(sections) - 1 for k in keys})
    _finish(edited, membership, at)
    return checked(definition, edited, at, None)


def _top_key(definition: dict[str, Any], pointer: str) -> str:
    spot = locate(definition, pointer)
    if spot.parent:
        raise EditRefused(pointer, "only questions on the form's top level go in a section")
    return spot.key


def _finish(definition: dict[str, Any], membership: dict[str, int | None], at: str) -> None:
    """Write the sections from ``membership`` and order the properties to match."""
    for index, section in enumerate(sections_of(definition)):
        if index not in membership.values():
            raise EditRefused(
                at,
                f"the section “{section.get('title')}” would hold no question: a section "
                "needs at least one (delete the section instead)",
            )
    last = len(sections_of(definition))
    holder = definition["schema"]
    keys = list(holder["properties"])
    ranked = sorted(keys, key=lambda k: (_rank(membership.get(k), last), keys.index(k)))
    holder["properties"] = {k: holder["properties"][k] for k in ranked}
    write_sections(definition, membership)


def _rank(index: int | None, last: int) -> int:
    return last if index is None else index


def update_section(
    definition: dict[str, Any], index: int, title: str, description: str
) -> dict[str, Any]:
    """A section's title and description (a blank description removes it)."""
    edited = copied(definition)
    section = _section(edited, index)
    section["title"] = clean_label(title, _at(index), "section")
    about = _description(description, _at(index))
    if about:
        section["description"] = about
    else:
        section.pop("description", None)
    return checked(definition, edited, _at(index), (_at(index),))


def move_section(definition: dict[str, Any], index: int, to_index: int) -> dict[str, Any]:
    """Move a section (with its questions) to ``to_index`` (past either end: first or last)."""
    _section(definition, index)
    edited = copied(definition)
    normalise_order(edited, "")
    placed = section_index(edited)
    sections = _ui_sections(edited)
    moved = sections.pop(index)
    target = max(0, min(to_index, len(sections)))
    sections.insert(target, moved)
    moves = list(range(len(sections)))
    moves.remove(index)
    moves.insert(target, index)
    renumber = {old: new for new, old in enumerate(moves)}
    membership: dict[str, int | None] = {
        k: (None if v is None else renumber[v]) for k, v in placed.items()
    }
    for key in sibling_order(edited, ""):
        membership.setdefault(key, None)
    _finish(edited, membership, _at(index))
    return checked(definition, edited, _at(target), None)


def delete_section(definition: dict[str, Any], index: int) -> dict[str, Any]:
    """Delete a section; its questions fall to "no section" (shown after the others)."""
    _section(definition, index)
    edited = copied(definition)
    normalise_order(edited, "")
    placed = section_index(edited)
    del _ui_sections(edited)[index]
    membership: dict[str, int | None] = {}
    for key in sibling_order(edited, ""):
        old = placed.get(key)
        membership[key] = None if old is None or old == index else old - (old > index)
    if not sections_of(edited):
        edited["ui"].pop("sections", None)
        if not edited["ui"]:
            del edited["ui"]
        normalise_order(edited, "")
        return checked(definition, edited, _at(index), None)
    _finish(edited, membership, _at(index))
    return checked(definition, edited, _at(index), None)


def put_in_section(definition: dict[str, Any], pointer: str, index: int | None) -> dict[str, Any]:
    """Put a top-level question in section ``index`` (at its end), or in no section."""
    key = _top_key(definition, pointer)
    if index is not None:
        _section(definition, index)
    edited = copied(definition)
    normalise_order(edited, "")
    placed = section_index(edited)
    old = placed.get(key)
    if old == index:
        return edited
    if old is not None and list(placed.values()).count(old) == 1:
        title = _section(edited, old).get("title")
        name = label_of(locate(edited, pointer).schema, key)
        raise EditRefused(
            pointer,
            f"“{name}” is the only question in the section “{title}”: delete the section "
            "instead, or put another question in it first",
        )
    order = [k for k in sibling_order(edited, "") if k != key]
    membership: dict[str, int | None] = {k: placed.get(k) for k in order}
    # The question goes last in its new section (or last of all, in no section).
    position = len(order)
    if index is not None:
        after = [
            i
            for i, k in enumerate(order)
            if _rank(membership[k], len(sections_of(edited))) <= index
        ]
        position = after[-1] + 1 if after else 0
    order.insert(position, key)
    membership[key] = index
    holder = edited["schema"]
    holder["properties"] = {k: holder["properties"][k] for k in order}
    _finish(edited, membership, pointer)
    return checked(definition, edited, pointer, None)
