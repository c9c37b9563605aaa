"""Studio edits of a definition's details and its fields: add, move, delete.

Each function takes a definition and returns a new one (the input is never changed),
or raises :class:`~miniapps.core.studio.editing_base.EditRefused`. A definition that
was valid stays valid: the validator has the last word on every edit.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    clean_label,
    copied,
    drop_empty_ui,
    holder_at,
    item_parent,
    label_of,
    locate,
    taken_names,
    ui_fields,
    unique_name,
)
from miniapps.core.studio.editing_order import (
    put_in_order,
    section_index,
    sections_of,
    sibling_order,
    write_sections,
)
from miniapps.core.studio.editing_references import field_uses, mentions
from miniapps.core.studio.field_kinds import FIELD_KINDS, data_pattern, kind_of, new_field
from miniapps.core.studio.spreadsheet import MAX_TITLE, id_problem

MAX_DESCRIPTION = 5_000


def blank_definition(app_id: str, title: str) -> dict[str, Any]:
    """A new app with no questions yet: ``id``, ``title``, version 1, an empty schema."""
    problem = id_problem(app_id)
    if problem:
        raise EditRefused("/id", problem)
    return {
        "id": app_id,
        "title": _title(title),
        "version": 1,
        "schema": {"type": "object", "properties": {}},
    }


def _title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise EditRefused("/title", "give the app a title")
    if len(text) > MAX_TITLE:
        raise EditRefused("/title", f"a title is at most {MAX_TITLE} characters")
    return text


def set_details(definition: dict[str, Any], *, title: str, description: str) -> dict[str, Any]:
    """The app's title and description (a blank description removes it)."""
    edited = copied(definition)
    edited["title"] = _title(title)
    text = description.strip()
    if len(text) > MAX_DESCRIPTION:
        raise EditRefused(
            "/description", f"a description is at most {MAX_DESCRIPTION:,} characters"
        )
    if text:
        edited["description"] = text
    else:
        edited.pop("description", None)
    return checked(definition, edited, "/title", ("/title", "/description"))


def add_field(
    definition: dict[str, Any], *, kind: str, label: str, parent: str = ""
) -> tuple[dict[str, Any], str]:
    """Add a question of ``kind`` (a key of ``FIELD_KINDS``) at the end of ``parent``
    (``""`` for the form itself, or a group's or repeating section's pointer). Its name
    is made from the label (snake_case, unique). Returns the new definition and the new
    field's pointer (``/courses/-/course_name``)."""
    if kind not in FIELD_KINDS:
        raise EditRefused(parent, f"there is no kind of question called '{kind}'")
    if parent and kind_of(definition, parent) not in ("group", "repeat"):
        raise EditRefused(parent, f"{parent} is not a group or repeating section")
    text = clean_label(label, parent)
    edited = copied(definition)
    if not isinstance(edited.get("schema"), dict):
        edited["schema"] = {"type": "object", "properties": {}}
    where = item_parent(edited, parent)
    holder = holder_at(edited, where)
    if holder is None:
        raise EditRefused(parent, f"questions cannot be added to {parent or 'this form'}")
    name = unique_name(text, taken_names(holder))
    schema, ui = new_field(kind, text)
    holder.setdefault("properties", {})[name] = schema
    pointer = pointer_join(where, name)
    if ui:
        ui_fields(edited)[pointer] = ui
    return checked(definition, edited, pointer, None), pointer


def move_field(definition: dict[str, Any], pointer: str, to_index: int) -> dict[str, Any]:
    """Move a field to position ``to_index`` among the fields of its object, as the form
    shows them (an index past either end is the first or last place). On the form's top
    level, with sections, the field joins the section of the question it now follows
    (or, first of all, of the one it now precedes): up and down cross section borders.
    A question shown only when an earlier one is answered stays after that one."""
    spot = locate(definition, pointer)
    edited = copied(definition)
    order = sibling_order(edited, spot.parent)
    current = order.index(spot.key)
    order.remove(spot.key)
    index = max(0, min(to_index, len(order)))
    order.insert(index, spot.key)
    if index == current:
        return edited
    membership: dict[str, int | None] = {}
    if not spot.parent and sections_of(edited):
        placed = section_index(edited)
        membership = {k: placed.get(k) for k in order}
        neighbour = order[index - 1] if index > 0 else order[1] if len(order) > 1 else None
        membership[spot.key] = placed.get(neighbour) if neighbour is not None else None
        _keep_sections_filled(edited, membership, pointer)
    put_in_order(edited, spot.parent, order)
    if membership:
        write_sections(edited, membership)
    _conditions_follow(edited, spot.parent, pointer)
    return checked(definition, edited, pointer, None)


def _keep_sections_filled(
    definition: dict[str, Any], membership: dict[str, int | None], pointer: str
) -> None:
    for index, section in enumerate(sections_of(definition)):
        if not any(value == index for value in membership.values()):
            raise EditRefused(
                pointer,
                f"it is the only question in the section “{section.get('title')}”: a section "
                "needs at least one question (delete the section, or put another question "
                "in it first)",
            )


def _conditions_follow(definition: dict[str, Any], parent: str, pointer: str) -> None:
    """Refuse an order in which a question is shown on an answer given after it."""
    order = sibling_order(definition, parent)
    holder = holder_at(definition, parent) or {}
    entries = (definition.get("ui") or {}).get("fields") or {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or "show_if" not in entry:
            continue
        tokens = pointer_parts(data_pattern(key))
        if data_pattern(key) != pointer_join(parent, tokens[-1]) or tokens[-1] not in order:
            continue
        for later in order[order.index(tokens[-1]) :]:
            if mentions(entry["show_if"], [later]):
                props = holder.get("properties") or {}
                shown = label_of(props.get(tokens[-1]), tokens[-1])
                asked = label_of(props.get(later), later)
                raise EditRefused(
                    pointer,
                    f"“{shown}” is shown depending on the answer to “{asked}”, so it must "
                    f"come after “{asked}”",
                )


def delete_field(definition: dict[str, Any], pointer: str) -> dict[str, Any]:
    """Delete a field (with everything inside a group or repeating section), and its
    place in ``required``, ``ui.fields``, ``ui.order`` and ``ui.sections`` (a section
    left empty goes too). Refused, naming them, while conditions, rules, dashboard
    widgets or workflow steps use it."""
    spot = locate(definition, pointer)
    uses = field_uses(definition, spot.pointer)
    if uses:
        title = label_of(spot.schema, spot.key)
        raise EditRefused(
            pointer, f"“{title}” is used by {_and(uses)}: change or remove those first"
        )
    edited = copied(definition)
    holder = holder_at(edited, spot.parent) or {}
    del holder["properties"][spot.key]
    required = holder.get("required")
    if isinstance(required, list) and spot.key in required:
        required.remove(spot.key)
        if not required:
            del holder["required"]
    _forget_ui(edited, spot.pointer, spot.parent)
    drop_empty_ui(edited)
    return checked(definition, edited, pointer, None)


def _forget_ui(definition: dict[str, Any], pointer: str, parent: str) -> None:
    ui = definition.get("ui")
    if not isinstance(ui, dict):
        return
    fields = ui.get("fields")
    if isinstance(fields, dict):
        for name in [n for n in fields if (data_pattern(n) + "/").startswith(pointer + "/")]:
            del fields[name]
    if isinstance(ui.get("order"), list):
        ui["order"] = [e for e in ui["order"] if not _names(e, pointer)]
    if not parent and isinstance(ui.get("sections"), list):
        for section in ui["sections"]:
            if isinstance(section, dict) and isinstance(section.get("fields"), list):
                section["fields"] = [e for e in section["fields"] if not _names(e, pointer)]
        ui["sections"] = [s for s in ui["sections"] if not isinstance(s, dict) or s.get("fields")]


def _names(entry: Any, pointer: str) -> bool:
    text = str(entry)
    return (data_pattern(text if text.startswith("/") else "/" + text) + "/").startswith(
        pointer + "/"
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
