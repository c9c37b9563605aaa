"""The choices of a one-choice or several-choices question: add, rename, move, delete.

Choices are written as ``oneOf`` of ``{"const": value, "title": label}`` (on the
property, or on ``items`` for several choices); a question written with ``enum`` is
turned into that shape, with its values as labels, at its first edit. The stored value
is made from the label when the choice is added and never changes afterwards, so
renaming a choice changes what people read, not what records hold.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.schema_fields import enum_choices
from miniapps.core.pointers import pointer_parts
from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    clean_label,
    copied,
    label_of,
    locate,
    parent_of,
    schema_pointer,
    unique_name,
)
from miniapps.core.studio.editing_references import mentions
from miniapps.core.studio.field_kinds import CHOICE_KINDS, kind_of, property_at

MAX_OPTIONS = 200


def _choices(definition: dict[str, Any], pointer: str) -> list[dict[str, Any]]:
    """The editable ``oneOf`` list of the choice question at ``pointer`` in ``definition``
    (converted from ``enum`` in place)."""
    kind = kind_of(definition, pointer)
    if kind not in CHOICE_KINDS:
        raise EditRefused(pointer, "only a one-choice or several-choices question has choices")
    schema = locate(definition, pointer).schema
    holder = schema["items"] if kind == "several_choices" else schema
    if "enum" in holder or "oneOf" not in holder:
        holder["oneOf"] = [{"const": v, "title": text} for v, text in enum_choices(holder)]
        holder.pop("enum", None)
        holder.pop("anyOf", None)
    options: list[dict[str, Any]] = holder["oneOf"]
    return options


def _find(options: list[dict[str, Any]], value: Any, pointer: str) -> int:
    for index, option in enumerate(options):
        if type(option.get("const")) is type(value) and option.get("const") == value:
            return index
    raise EditRefused(pointer, f"there is no choice {value!r}")


def _label(options: list[dict[str, Any]], label: str, pointer: str, skip: int = -1) -> str:
    text = clean_label(label, pointer, "choice")
    for index, option in enumerate(options):
        if (
            index != skip
            and str(option.get("title", option.get("const"))).casefold() == text.casefold()
        ):
            raise EditRefused(pointer, f"there is already a choice “{text}”")
    return text


def add_option(definition: dict[str, Any], pointer: str, label: str) -> dict[str, Any]:
    """Add a choice labelled ``label`` at the end; its stored value is made from the label."""
    edited = copied(definition)
    options = _choices(edited, pointer)
    if len(options) >= MAX_OPTIONS:
        raise EditRefused(pointer, f"a question has at most {MAX_OPTIONS} choices")
    text = _label(options, label, pointer)
    value = unique_name(text, {str(o.get("const")) for o in options}, "option")
    options.append({"const": value, "title": text})
    return checked(definition, edited, pointer, (schema_pointer(pointer),))


def rename_option(
    definition: dict[str, Any], pointer: str, value: Any, label: str
) -> dict[str, Any]:
    """Give the choice stored as ``value`` a new label (the value stays)."""
    edited = copied(definition)
    options = _choices(edited, pointer)
    index = _find(options, value, pointer)
    options[index]["title"] = _label(options, label, pointer, skip=index)
    return checked(definition, edited, pointer, (schema_pointer(pointer),))


def move_option(
    definition: dict[str, Any], pointer: str, value: Any, to_index: int
) -> dict[str, Any]:
    """Move a choice to position ``to_index`` (past either end: first or last)."""
    edited = copied(definition)
    options = _choices(edited, pointer)
    option = options.pop(_find(options, value, pointer))
    options.insert(max(0, min(to_index, len(options))), option)
    return checked(definition, edited, pointer, (schema_pointer(pointer),))


def delete_option(definition: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """Delete a choice; refused for the last one, and while a condition uses it."""
    edited = copied(definition)
    options = _choices(edited, pointer)
    index = _find(options, value, pointer)
    if len(options) == 1:
        raise EditRefused(pointer, "a choice question needs at least one choice")
    users = _conditions_using(definition, pointer, value)
    if users:
        title = options[index].get("title", value)
        raise EditRefused(
            pointer, f"the choice “{title}” is used by the condition of {', '.join(users)}"
        )
    del options[index]
    return checked(definition, edited, pointer, None)


def _conditions_using(definition: dict[str, Any], pointer: str, value: Any) -> list[str]:
    """Labels of the fields whose condition tests this question for ``value``."""
    name = pointer_parts(pointer)[-1]
    found = []
    for key, entry in ((definition.get("ui") or {}).get("fields") or {}).items():
        if not isinstance(entry, dict) or parent_of(key) != parent_of(pointer):
            continue
        if mentions(entry.get("show_if"), [name]) and _tests_value(entry["show_if"], name, value):
            found.append(f"“{label_of(property_at(definition, key), key.rsplit('/', 1)[-1])}”")
    return found


def _tests_value(condition: Any, name: str, value: Any, depth: int = 0) -> bool:
    """Whether ``value`` appears anywhere in the condition's tests of ``name``."""
    if depth > 30:
        return False
    if isinstance(condition, dict):
        test = (
            (condition.get("properties") or {}).get(name)
            if isinstance(condition.get("properties"), dict)
            else None
        )
        if test is not None and _holds(test, value):
            return True
        return any(_tests_value(v, name, value, depth + 1) for v in condition.values())
    if isinstance(condition, list):
        return any(_tests_value(v, name, value, depth + 1) for v in condition)
    return False


def _holds(test: Any, value: Any) -> bool:
    if isinstance(test, list):
        return any(_holds(t, value) for t in test)
    if not isinstance(test, dict):
        return test == value and type(test) is type(value)
    return any(_holds(v, value) for v in test.values())
