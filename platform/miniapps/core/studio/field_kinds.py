"""The kinds of field the studio's visual editor offers, and which kind a field is.

Each kind is a way of writing a property of the record schema (plus, for some, its
``ui.fields`` entry) that a developer would write by hand: ``long_text`` is a string
shown as a ``textarea``, ``one_choice`` a string with ``oneOf`` of ``{const, title}``,
``repeat`` an array of objects. :func:`kind_of` reads a definition back: a field written
in a way the studio cannot edit visually (a ``$ref``, a ``person`` widget, numbered
choices) has no kind and is shown read-only, to be changed in the JSON tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.schema_fields import enum_choices, schema_type
from miniapps.core.pointers import item_pattern, pointer_parts


@dataclass(frozen=True)
class FieldKind:
    """One entry of the add-field menu: its id, its label and a one-line hint."""

    id: str
    label: str
    hint: str


FIELD_KINDS: dict[str, FieldKind] = {
    kind.id: kind
    for kind in (
        FieldKind("text", "Text", "A short answer on one line, such as a name or a reference."),
        FieldKind("long_text", "Long text", "Several lines, such as a description or notes."),
        FieldKind("number", "Number", "Any number, decimals allowed, such as a temperature."),
        FieldKind("whole_number", "Whole number", "A count with no decimals, such as staff."),
        FieldKind("date", "Date", "A day, such as the date of a check."),
        FieldKind("date_time", "Date and time", "A day and a time of day."),
        FieldKind("yes_no", "Yes or no", "A question answered Yes or No."),
        FieldKind("one_choice", "One choice", "One answer picked from a list of choices."),
        FieldKind("several_choices", "Several choices", "Any number of answers ticked."),
        FieldKind("file", "File", "An uploaded document or photo."),
        FieldKind("group", "Group", "Questions shown together under one heading."),
        FieldKind("repeat", "Repeating section", "Questions answered once per item (course)."),
    )
}

CHOICE_KINDS = frozenset({"one_choice", "several_choices"})
CONTAINER_KINDS = frozenset({"group", "repeat"})
# Widgets that list rows of the database: the studio leaves such fields to the JSON tab.
DATABASE_WIDGETS = frozenset({"organisation", "person", "record"})
LONG_TEXT = 200  # a string longer than this is shown as a textarea by default


def new_field(kind: str, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema of a new field of ``kind`` titled ``label``, and its ``ui.fields`` entry
    (empty when it needs none). Choice fields start with two choices to rename."""
    schema: dict[str, Any]
    ui: dict[str, Any] = {}
    options = [
        {"const": "option_1", "title": "Option 1"},
        {"const": "option_2", "title": "Option 2"},
    ]
    if kind == "text":
        schema = {"type": "string", "title": label}
    elif kind == "long_text":
        schema = {"type": "string", "title": label, "maxLength": 10_000}
        ui = {"widget": "textarea"}
    elif kind == "number":
        schema = {"type": "number", "title": label}
    elif kind == "whole_number":
        schema = {"type": "integer", "title": label}
    elif kind in ("date", "date_time"):
        schema = {"type": "string", "format": kind.replace("_", "-"), "title": label}
    elif kind == "yes_no":
        schema = {"type": "boolean", "title": label}
        ui = {"widget": "radios"}
    elif kind == "one_choice":
        schema = {"type": "string", "title": label, "oneOf": options}
    elif kind == "several_choices":
        item = {"type": "string", "oneOf": options}
        schema = {"type": "array", "title": label, "uniqueItems": True, "items": item}
    elif kind == "file":
        schema = {"type": "string", "title": label}
        ui = {"widget": "file"}
    elif kind == "group":
        schema = {"type": "object", "title": label, "properties": {}}
    elif kind == "repeat":
        schema = {"type": "array", "title": label, "items": {"type": "object", "properties": {}}}
    else:
        raise KeyError(kind)
    return schema, ui


def kind_of(definition: dict[str, Any], pointer: str) -> str | None:
    """The studio kind of the field at ``pointer`` (``/about/name``, ``/courses/-/date``),
    or None: no such field, or one written in a way the studio cannot edit visually."""
    found = property_at(definition, pointer)
    if found is None:
        return None
    ui = field_ui(definition, pointer)
    return kind_of_schema(found, ui)


def kind_of_schema(schema: Any, ui: dict[str, Any]) -> str | None:
    """The studio kind of one property schema shown with the ``ui.fields`` entry ``ui``."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return None
    widget = ui.get("widget")
    if widget in DATABASE_WIDGETS or "x-record-of" in schema:
        return None
    declared = schema_type(schema)
    if "type" in schema and declared is None:
        return None  # several types: only JSON can say so
    if enum_choices(schema):
        return "one_choice" if _plain_choices(schema) and declared in (None, "string") else None
    if declared == "array":
        return _array_kind(schema)
    if declared == "object" or (declared is None and "properties" in schema):
        return "group" if isinstance(schema.get("properties", {}), dict) else None
    simple = {"boolean": "yes_no", "integer": "whole_number", "number": "number"}
    if declared in simple:
        return simple[declared]
    if declared != "string":
        return None
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "date_time"
    if widget == "file":
        return "file"
    long = isinstance(schema.get("maxLength"), int) and schema["maxLength"] > LONG_TEXT
    if widget == "textarea" or (long and widget is None):
        return "long_text"
    return "text"


def _array_kind(schema: dict[str, Any]) -> str | None:
    items = schema.get("items")
    if not isinstance(items, dict) or "$ref" in items:
        return None
    if enum_choices(items):
        plain = _plain_choices(items) and schema_type(items) in (None, "string")
        return "several_choices" if plain and schema.get("uniqueItems") is True else None
    if schema_type(items) == "object" or "properties" in items:
        return "repeat" if isinstance(items.get("properties", {}), dict) else None
    return None


def _plain_choices(schema: dict[str, Any]) -> bool:
    """Choices the studio can edit: text values, given as ``enum`` or ``oneOf``."""
    if "anyOf" in schema and "oneOf" not in schema and "enum" not in schema:
        return False
    return all(isinstance(value, str) for value, _ in enum_choices(schema))


data_pattern = item_pattern  # ``/courses/0/name`` and ``/courses/-/name``: one field


def field_ui(definition: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The ``ui.fields`` entry of the field at ``pointer`` (``{}`` when there is none)."""
    entries = (definition.get("ui") or {}).get("fields") or {}
    if not isinstance(entries, dict):
        return {}
    wanted = data_pattern(pointer)
    for key, entry in entries.items():
        if data_pattern(key) == wanted and isinstance(entry, dict):
            return entry
    return {}


def property_at(definition: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    """The property schema at ``pointer`` as written (``$ref`` not followed), or None."""
    node: Any = definition.get("schema")
    tokens = pointer_parts(pointer)
    if not tokens:
        return None
    index = 0
    while index < len(tokens):
        if not isinstance(node, dict):
            return None
        properties = node.get("properties")
        if not isinstance(properties, dict) or tokens[index] not in properties:
            return None
        node = properties[tokens[index]]
        index += 1
        if index < len(tokens) and isinstance(node, dict) and schema_type(node) == "array":
            if tokens[index] != "-" and not tokens[index].isdigit():
                return None
            node = node.get("items")
            index += 1
    return node if isinstance(node, dict) else None
