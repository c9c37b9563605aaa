"""Changing a question's kind: text to long text, whole number to number, one choice to
several choices, text to one choice, and so on.

The label, the hint, whether it is required, its condition and its section stay; the
settings that still fit the new kind stay too (lengths and pattern between text kinds,
bounds between number kinds, the choices between choice kinds); the rest goes. Groups
and repeating sections keep their kind (their questions would move). A question other
parts of the app rely on (a condition, a widget, a workflow step) keeps its kind unless
the answers stay the same kind of value (text and long text; the two number kinds).
"""

from __future__ import annotations

from typing import Any

from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    copied,
    drop_empty_ui,
    label_of,
    locate,
    ui_fields,
    ui_key,
)
from miniapps.core.studio.editing_references import field_uses
from miniapps.core.studio.field_kinds import (
    CHOICE_KINDS,
    CONTAINER_KINDS,
    FIELD_KINDS,
    LONG_TEXT,
    field_ui,
    kind_of_schema,
    new_field,
)

TEXT_KINDS = frozenset({"text", "long_text"})
NUMBER_KINDS = frozenset({"number", "whole_number"})
# Kinds whose stored answers read the same after the change (conditions still hold).
SAME_VALUES = (TEXT_KINDS, NUMBER_KINDS)
# Schema members kept whatever the kind (annotations, not rules on the answer).
KEPT_MEMBERS = ("title", "description", "$comment")
# ``ui.fields`` members that depend on how the answer is shown.
SHOWN_MEMBERS = ("widget", "rows", "accept", "max_bytes", "placeholder")


def change_kind(definition: dict[str, Any], pointer: str, kind: str) -> dict[str, Any]:
    """The question at ``pointer`` made a question of ``kind`` (a key of ``FIELD_KINDS``),
    keeping its label, hint, required, condition and what still fits."""
    if kind not in FIELD_KINDS:
        raise EditRefused(pointer, f"there is no kind of question called '{kind}'")
    spot = locate(definition, pointer)
    before_ui = field_ui(definition, pointer)
    current = kind_of_schema(spot.schema, before_ui)
    title = label_of(spot.schema, spot.key)
    if current is None:
        raise EditRefused(pointer, f"“{title}” is written in JSON: change its kind in the JSON tab")
    if current == kind:
        return copied(definition)
    if current in CONTAINER_KINDS or kind in CONTAINER_KINDS:
        raise EditRefused(
            pointer,
            f"“{title}” cannot become a {FIELD_KINDS[kind].label.lower()}: groups and "
            "repeating sections keep their kind (add a new one and move the questions)",
        )
    uses = field_uses(definition, spot.pointer)
    if uses and not any(current in same and kind in same for same in SAME_VALUES):
        raise EditRefused(
            pointer,
            f"“{title}” is used by {', '.join(uses)}: its answers would no longer fit there, "
            "so change or remove those first",
        )
    edited = copied(definition)
    spot = locate(edited, pointer)
    old = spot.schema
    schema, shown = new_field(kind, title)
    for name in KEPT_MEMBERS:
        if name in old:
            schema[name] = old[name]
    _carry(old, schema, current, kind)
    spot.holder["properties"][spot.key] = schema
    ui = {k: v for k, v in before_ui.items() if k not in SHOWN_MEMBERS}
    ui.update(shown)
    limit = schema.get("maxLength")
    if kind == "text" and isinstance(limit, int) and limit > LONG_TEXT:
        ui["widget"] = "text"  # a long limit alone would read as long text
    key = ui_key(edited, pointer)
    ui_fields(edited)[key] = ui
    drop_empty_ui(edited)
    return checked(definition, edited, pointer, None)


def _carry(old: dict[str, Any], new: dict[str, Any], current: str, kind: str) -> None:
    """Copy onto ``new`` the settings of ``old`` that still fit ``kind``."""
    if current in TEXT_KINDS and kind in TEXT_KINDS:
        for name in ("minLength", "maxLength", "pattern"):
            if name in old:
                new[name] = old[name]
    if current in NUMBER_KINDS and kind in NUMBER_KINDS:
        for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = old.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if kind == "whole_number" and value != int(value):
                    continue  # 2.5 is no bound of a whole number
                new[name] = int(value) if kind == "whole_number" else value
    if current in CHOICE_KINDS and kind in CHOICE_KINDS:
        choices = _choices(old)
        if choices is not None:
            target = new["items"] if kind == "several_choices" else new
            target.pop("oneOf", None)
            target.update(choices)


def _choices(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The choice members (``oneOf`` or ``enum``) of a one- or several-choice schema."""
    items = schema.get("items")
    holder: dict[str, Any] = items if isinstance(items, dict) else schema
    found: dict[str, Any] = {k: copied_value(holder[k]) for k in ("oneOf", "enum") if k in holder}
    return found or None


def copied_value(value: Any) -> Any:
    """A deep copy of a JSON value."""
    if isinstance(value, dict):
        return {k: copied_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copied_value(v) for v in value]
    return value
