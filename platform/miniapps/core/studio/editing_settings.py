"""A field's settings: label, hint, required, bounds, length, pattern, rows, widget.

:class:`FieldSettings` leaves out what it does not change: each setting is
:data:`KEEP` unless given. ``None`` removes a setting (no hint, no maximum, the
kind's usual widget). A setting that does not fit the field's kind (a maximum on a
date) is refused when given a value and ignored when ``None``, so a form can send
every box it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

from miniapps.core.pointers import pointer_join
from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    clean_label,
    copied,
    drop_empty_ui,
    locate,
    schema_pointer,
    ui_entry,
    ui_fields,
    ui_key,
)
from miniapps.core.studio.field_kinds import field_ui, kind_of_schema


class Keep(Enum):
    """The type of :data:`KEEP`: leave this setting as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP
MAX_HINT = 2_000
MAX_INTRO = 2_000  # the meta-schema's limit of ``ui.fields[...].intro``

# The widgets each kind may be shown with; the first is written when the widget is None
# (``None`` there: no ``widget`` member, the engine's default).
KIND_WIDGETS: dict[str, tuple[str | None, ...]] = {
    "text": (None, "text", "textarea", "email", "url"),
    "long_text": ("textarea", "text"),
    "number": (None, "number"),
    "whole_number": (None, "number"),
    "date": (None, "date", "text"),
    "date_time": (None, "datetime", "text"),
    "yes_no": ("radios", "checkbox"),
    "one_choice": (None, "radios", "select"),
    "several_choices": (None, "checkboxes"),
    "file": ("file",),
    "group": (None, "fieldset"),
    "repeat": (None, "repeat"),
}
BOUNDED = frozenset({"number", "whole_number"})
TEXTUAL = frozenset({"text", "long_text"})
REPEATS = frozenset({"repeat"})


@dataclass(frozen=True)
class FieldSettings:
    """What to change about a field; :data:`KEEP` (the default) leaves a setting alone."""

    label: str | Keep = KEEP
    hint: str | Keep | None = KEEP
    intro: str | Keep | None = KEEP  # a paragraph above the question (``ui`` ``intro``)
    required: bool | Keep = KEEP
    minimum: int | float | Keep | None = KEEP
    maximum: int | float | Keep | None = KEEP
    min_length: int | Keep | None = KEEP
    max_length: int | Keep | None = KEEP
    pattern: str | Keep | None = KEEP
    rows: int | Keep | None = KEEP
    widget: str | Keep | None = KEEP
    min_items: int | Keep | None = KEEP
    max_items: int | Keep | None = KEEP


def update_field(
    definition: dict[str, Any], pointer: str, settings: FieldSettings
) -> dict[str, Any]:
    """Change a field's settings (see :class:`FieldSettings`); refused with the reason,
    at the field, when a value does not fit (a minimum above the maximum, a pattern the
    validator refuses, such as one that can backtrack catastrophically)."""
    before_ui = field_ui(definition, pointer)
    kind = kind_of_schema(locate(definition, pointer).schema, before_ui)
    edited = copied(definition)
    spot = locate(edited, pointer)
    schema = spot.schema
    ui = dict(before_ui)
    if not isinstance(settings.label, Keep):
        schema["title"] = clean_label(settings.label or "", pointer)
        ui.pop("label", None)
    if not isinstance(settings.hint, Keep):
        _set_hint(schema, ui, settings.hint, pointer)
    if not isinstance(settings.intro, Keep):
        _set_intro(ui, settings.intro, pointer)
    if not isinstance(settings.required, Keep):
        _set_required(spot.holder, spot.key, schema, kind, settings.required)
    _bounds(schema, kind, settings, pointer)
    _text_limits(schema, kind, settings, pointer)
    _item_limits(schema, kind, settings, pointer)
    if kind == "repeat" and spot.key in (spot.holder.get("required") or []):
        schema["minItems"] = max(1, schema.get("minItems") or 0)  # required: one at least
    _widget(ui, kind, settings, pointer)
    key = ui_key(edited, pointer)
    ui_entry(edited, pointer)
    ui_fields(edited)[key] = ui
    drop_empty_ui(edited)
    focus = (schema_pointer(pointer), pointer_join("/ui/fields", key))
    return checked(definition, edited, pointer, focus)


def _set_hint(schema: dict[str, Any], ui: dict[str, Any], hint: str | None, pointer: str) -> None:
    text = (hint or "").strip()
    if len(text) > MAX_HINT:
        raise EditRefused(pointer, f"a hint is at most {MAX_HINT:,} characters")
    ui.pop("help", None)
    if text:
        schema["description"] = text
    else:
        schema.pop("description", None)


def _set_intro(ui: dict[str, Any], intro: str | None, pointer: str) -> None:
    text = (intro or "").strip()
    if len(text) > MAX_INTRO:
        raise EditRefused(
            pointer, f"the text above the question is at most {MAX_INTRO:,} characters"
        )
    if text:
        ui["intro"] = text
    else:
        ui.pop("intro", None)


def _set_required(
    holder: dict[str, Any], key: str, schema: dict[str, Any], kind: str | None, on: bool
) -> None:
    required = [k for k in holder.get("required") or [] if k != key]
    if on:
        required.append(key)
    if required:
        order = list((holder.get("properties") or {}).keys())
        holder["required"] = sorted(required, key=lambda k: order.index(k) if k in order else 0)
    else:
        holder.pop("required", None)
    if kind == "repeat":  # a required repeating section needs at least one item
        if on and not schema.get("minItems"):
            schema["minItems"] = 1
        elif not on and schema.get("minItems") == 1:
            del schema["minItems"]


def _given(value: Any, kind: str | None, fits: frozenset[str], name: str, pointer: str) -> bool:
    """Whether to write ``value``: refused when it has one and the kind does not fit."""
    if isinstance(value, Keep):
        return False
    if kind in fits:
        return True
    if value is not None:
        raise EditRefused(pointer, f"{name} does not apply to this kind of question")
    return False


def _bounds(
    schema: dict[str, Any], kind: str | None, settings: FieldSettings, pointer: str
) -> None:
    for name, value in (("minimum", settings.minimum), ("maximum", settings.maximum)):
        if not _given(value, kind, BOUNDED, f"a {name}", pointer):
            continue
        if value is None:
            schema.pop(name, None)
            continue
        assert not isinstance(value, Keep)
        if isinstance(value, bool) or not math.isfinite(value):
            raise EditRefused(pointer, f"the {name} must be a number")
        if kind == "whole_number" and value != int(value):
            raise EditRefused(pointer, f"the {name} of a whole number must be a whole number")
        schema[name] = int(value) if kind == "whole_number" else value
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        raise EditRefused(pointer, f"the minimum ({low}) is above the maximum ({high})")


def _text_limits(
    schema: dict[str, Any], kind: str | None, settings: FieldSettings, pointer: str
) -> None:
    for name, member, value in (
        ("a shortest length", "minLength", settings.min_length),
        ("a longest length", "maxLength", settings.max_length),
    ):
        if not _given(value, kind, TEXTUAL, name, pointer):
            continue
        if value is None:
            schema.pop(member, None)
            continue
        assert isinstance(value, int)
        if isinstance(value, bool) or value < (0 if member == "minLength" else 1):
            raise EditRefused(pointer, f"{name} must be a whole number of at least 1")
        schema[member] = value
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise EditRefused(pointer, f"the shortest length ({low}) is above the longest ({high})")
    if _given(settings.pattern, kind, TEXTUAL, "a pattern", pointer):
        if settings.pattern:
            schema["pattern"] = settings.pattern
        else:
            schema.pop("pattern", None)


def _item_limits(
    schema: dict[str, Any], kind: str | None, settings: FieldSettings, pointer: str
) -> None:
    """A repeating section's fewest and most items (``minItems``, ``maxItems``)."""
    for name, member, value in (
        ("a fewest number of items", "minItems", settings.min_items),
        ("a most number of items", "maxItems", settings.max_items),
    ):
        if not _given(value, kind, REPEATS, name, pointer):
            continue
        if value is None:
            schema.pop(member, None)
            continue
        assert isinstance(value, int)
        if isinstance(value, bool) or value < (0 if member == "minItems" else 1):
            least = 0 if member == "minItems" else 1
            raise EditRefused(pointer, f"{name} must be a whole number of at least {least}")
        schema[member] = value
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise EditRefused(pointer, f"the fewest items ({low}) is above the most ({high})")


def _widget(ui: dict[str, Any], kind: str | None, settings: FieldSettings, pointer: str) -> None:
    widget = settings.widget
    if not isinstance(widget, Keep) and kind is not None:
        allowed = KIND_WIDGETS[kind]
        if widget is not None and widget not in allowed:
            choices = ", ".join(w for w in allowed if w)
            raise EditRefused(pointer, f"a {kind} question can be shown as: {choices}")
        chosen = widget if widget is not None else allowed[0]
        if chosen is None:
            ui.pop("widget", None)
        else:
            ui["widget"] = chosen
    elif not isinstance(widget, Keep) and widget is not None:
        raise EditRefused(pointer, "change this question's widget in the JSON tab")
    rows = settings.rows
    if kind == "long_text" and rows is not None and not isinstance(rows, Keep):
        ui.setdefault("widget", "textarea")  # long text shown by default as several lines
    if not isinstance(rows, Keep):
        if rows is None:
            ui.pop("rows", None)
        elif ui.get("widget") != "textarea":
            raise EditRefused(pointer, "rows apply only to a question shown as several lines")
        elif isinstance(rows, bool) or not 1 <= rows <= 50:
            raise EditRefused(pointer, "rows must be a whole number from 1 to 50")
        else:
            ui["rows"] = rows
    if ui.get("widget") != "textarea":
        ui.pop("rows", None)
