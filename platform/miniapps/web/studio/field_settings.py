"""The field page's settings form: which settings each kind of question has, and
reading them from the form into :class:`~miniapps.core.studio.editing.FieldSettings`."""

from __future__ import annotations

from typing import Any

from miniapps.core.studio import editing
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.field_kinds import kind_of
from miniapps.web.studio.ops import Edited, Form, number, required_text, text, whole

# The settings offered beyond label, hint and required, by kind.
KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    "text": ("min_length", "max_length", "pattern", "widget"),
    "long_text": ("max_length", "rows"),
    "number": ("minimum", "maximum"),
    "whole_number": ("minimum", "maximum"),
    "yes_no": ("widget",),
    "one_choice": ("widget",),
    "repeat": ("min_items", "max_items"),
}
SETTING_LABELS = {
    "minimum": "Smallest answer allowed",
    "maximum": "Largest answer allowed",
    "min_length": "Fewest characters",
    "max_length": "Most characters",
    "pattern": "Pattern the answer must match (a regular expression)",
    "rows": "Lines shown for the answer",
    "widget": "Show it as",
    "min_items": "Fewest items",
    "max_items": "Most items",
}
# The ways each kind may be shown (the first when none was chosen); "" is the engine's own.
WIDGET_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "text": (("", "One line of text"), ("email", "An email address"), ("url", "A web address")),
    "yes_no": (("radios", "Yes and No buttons"), ("checkbox", "One tick box")),
    "one_choice": (("radios", "Radio buttons"), ("select", "A drop-down list")),
}


def settings_of(kind: str | None) -> tuple[str, ...]:
    return KIND_SETTINGS.get(kind or "", ())


def update_settings(definition: dict[str, Any], form: Form) -> Edited:
    """``update_field`` with the posted settings of the question at ``pointer``."""
    pointer = text(form, "pointer")
    kind = kind_of(definition, pointer)
    if kind is None:
        raise EditRefused(pointer, "This question is written in JSON: change it in the JSON tab")
    offered = settings_of(kind)
    label = required_text(form, "label", "the question, as people will read it", at=pointer)
    values: dict[str, Any] = {
        "label": label,
        "hint": text(form, "hint") or None,
        "intro": text(form, "intro") or None,
        "required": form.get("required") == "yes",
    }
    wording = {name: SETTING_LABELS[name] for name in offered}
    if "minimum" in offered:
        values["minimum"] = number(form, "minimum", wording["minimum"], at=pointer)
        values["maximum"] = number(form, "maximum", wording["maximum"], at=pointer)
        if kind == "whole_number":
            for name in ("minimum", "maximum"):
                if isinstance(values[name], float):
                    raise EditRefused(pointer, f"{wording[name]} must be a whole number")
    for name in ("min_length", "max_length", "rows", "min_items", "max_items"):
        if name in offered:
            values[name] = whole(form, name, wording[name], at=pointer)
    if "pattern" in offered:
        values["pattern"] = text(form, "pattern") or None
    if "widget" in offered:
        widget = text(form, "widget")
        values["widget"] = widget if widget and widget in dict(WIDGET_CHOICES[kind]) else None
    changed = editing.update_field(definition, pointer, editing.FieldSettings(**values))
    return Edited(changed, f"Changed the settings of “{label}”", field=pointer)
