"""The edits of fields: the tree's add, up/down, move (drag) and delete, and the field
page's section, condition and options (the settings are in :mod:`field_settings`)."""

from __future__ import annotations

import json
from typing import Any

from miniapps.core.definitions.schema_fields import enum_choices
from miniapps.core.studio import editing
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.field_kinds import FIELD_KINDS, property_at
from miniapps.web.studio import tree
from miniapps.web.studio.ops import Edited, Form, index, op, required_text, text


def _row(definition: dict[str, Any], form: Form, name: str = "pointer") -> tree.FieldRow:
    pointer = text(form, name)
    row = tree.find_row(definition, pointer)
    if row is None:
        raise EditRefused(pointer, "There is no such question in the draft (any more)")
    return row


def _quoted(label: str) -> str:
    return f"“{label}”"


@op("add_field")
def add_field(definition: dict[str, Any], form: Form) -> Edited:
    kind = text(form, "kind")
    if kind not in FIELD_KINDS:
        raise EditRefused("", "Choose what kind of question to add")
    label = required_text(form, "label", "the question, as people will read it")
    changed, pointer = editing.add_field(
        definition, kind=kind, label=label, parent=text(form, "parent")
    )
    row = tree.find_row(changed, pointer)
    summary = f"Added {_quoted(label)} ({FIELD_KINDS[kind].label.lower()})"
    return Edited(changed, summary, anchor=row.anchor if row else "fields")


def _move(definition: dict[str, Any], row: tree.FieldRow, to: int, words: str) -> Edited:
    if not 0 <= to < row.siblings:
        return Edited(definition, f"{_quoted(row.label)} is already {words}", row.anchor)
    changed = editing.move_field(definition, row.pointer, to)
    return Edited(changed, f"Moved {_quoted(row.label)} {words}", anchor=row.anchor)


@op("field_up")
def field_up(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    return _move(definition, row, row.position - 1, "up")


@op("field_down")
def field_down(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    return _move(definition, row, row.position + 1, "down")


@op("move_field")
def move_field(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    to = index(form, "to_index")
    return _move(definition, row, to, f"to position {to + 1}")


@op("delete_field")
def delete_field(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    changed = editing.delete_field(definition, row.pointer)
    return Edited(changed, f"Deleted {_quoted(row.label)}", anchor="fields")


@op("put_in_section")
def put_in_section(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    raw = text(form, "section")
    section = int(raw) if raw.isdigit() else None
    changed = editing.put_in_section(definition, row.pointer, section)
    where = "no section" if section is None else f"section {section + 1}"
    return Edited(changed, f"Put {_quoted(row.label)} in {where}", field=row.pointer)


@op("set_condition")
def set_condition(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    question = text(form, "question")
    raw = text(form, "answer")
    try:
        answer_of, answer = json.loads(raw) if raw else (None, None)
    except (ValueError, TypeError):
        raise EditRefused(row.pointer, "Choose an answer") from None
    if not question:
        raise EditRefused(row.pointer, "Choose the question this one depends on")
    if answer_of != question:
        raise EditRefused(row.pointer, "Choose one of the answers of the question chosen")
    condition = editing.Condition(question, answer, negate=text(form, "negate") == "not")
    changed = editing.set_condition(definition, row.pointer, condition)
    return Edited(changed, f"Set when {_quoted(row.label)} is shown", field=row.pointer)


@op("clear_condition")
def clear_condition(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    changed = editing.set_condition(definition, row.pointer, None)
    return Edited(changed, f"{_quoted(row.label)} is always shown", field=row.pointer)


@op("add_option")
def add_option(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    label = required_text(form, "label", "the choice, as people will read it", at=row.pointer)
    changed = editing.add_option(definition, row.pointer, label)
    return Edited(
        changed, f"Added the choice {_quoted(label)} to {_quoted(row.label)}", field=row.pointer
    )


@op("rename_option")
def rename_option(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    label = required_text(form, "label", "the choice's new wording", at=row.pointer)
    changed = editing.rename_option(definition, row.pointer, text(form, "value"), label)
    return Edited(
        changed, f"Renamed a choice of {_quoted(row.label)} to {_quoted(label)}", field=row.pointer
    )


def _option_move(definition: dict[str, Any], form: Form, step: int) -> Edited:
    row = _row(definition, form)
    value = text(form, "value")
    values = [v for v, _ in options_of(definition, row.pointer)]
    if value not in values:
        raise EditRefused(row.pointer, "There is no such choice (any more)")
    to = values.index(value) + step
    if not 0 <= to < len(values):
        return Edited(definition, "The choice is already there", field=row.pointer)
    changed = editing.move_option(definition, row.pointer, value, to)
    return Edited(changed, f"Moved a choice of {_quoted(row.label)}", field=row.pointer)


@op("option_up")
def option_up(definition: dict[str, Any], form: Form) -> Edited:
    return _option_move(definition, form, -1)


@op("option_down")
def option_down(definition: dict[str, Any], form: Form) -> Edited:
    return _option_move(definition, form, 1)


@op("delete_option")
def delete_option(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    changed = editing.delete_option(definition, row.pointer, text(form, "value"))
    return Edited(changed, f"Deleted a choice of {_quoted(row.label)}", field=row.pointer)


def options_of(definition: dict[str, Any], pointer: str) -> list[tuple[Any, str]]:
    """The (value, label) choices of a choice field, in order."""
    schema = property_at(definition, pointer) or {}
    items = schema.get("items")
    return enum_choices(items if isinstance(items, dict) else schema)
