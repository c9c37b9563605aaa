"""What every studio edit shares: the refusal, finding a field, names, order and the
validator's last word.

A field is addressed by its pointer into record data (``/about/name``,
``/courses/-/date``); its *parent* is the object holding it (``""``, ``/about``,
``/courses/-``). Edits work on a deep copy and never change their input.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.schema_fields import schema_type
from miniapps.core.errors import DefinitionInvalid, Issue, MiniappsError
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.studio.column_types import snake_case
from miniapps.core.studio.field_kinds import data_pattern, property_at

MAX_LABEL = 500
# Names an import would read as something else (the organisation, the period), or that
# the form keeps for itself.
RESERVED_NAMES = frozenset(
    {"ods", "ods_code", "org", "organisation_ods", "period", "csrf_token", "meta"}
)


class EditRefused(MiniappsError):
    """An edit the studio will not make: ``pointer`` names the field (or the member,
    ``/ui/sections/1``, ``/dashboard/widgets/0``, ``/period``), ``message`` says why."""

    code = "edit_refused"
    kind = "invalid"

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}" if pointer else message)
        self.pointer = pointer
        self.message = message


@dataclass(frozen=True)
class Spot:
    """Where a field lives: the object schema holding it, its key and pointers."""

    holder: dict[str, Any]  # the object schema whose ``properties`` hold the field
    key: str
    parent: str  # data pointer of the holding object: "", "/about", "/courses/-"
    pointer: str  # the field's own data pointer, "-" for items

    @property
    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = self.holder["properties"][self.key]
        return found


def copied(definition: dict[str, Any]) -> dict[str, Any]:
    """A deep copy to edit (the caller's definition is never changed)."""
    return copy.deepcopy(definition)


def holder_at(definition: dict[str, Any], parent: str) -> dict[str, Any] | None:
    """The object schema of the data pointer ``parent`` (``""``, ``/about``, ``/courses``
    or ``/courses/-``), or None when it is not a group or repeating section."""
    node: Any = definition.get("schema")
    tokens = pointer_parts(parent)
    index = 0
    while isinstance(node, dict) and index < len(tokens):
        properties = node.get("properties")
        if not isinstance(properties, dict) or tokens[index] not in properties:
            return None
        node = properties[tokens[index]]
        index += 1
        if isinstance(node, dict) and schema_type(node) == "array":
            if index < len(tokens) and (tokens[index] == "-" or tokens[index].isdigit()):
                index += 1
            node = node.get("items")
    if not isinstance(node, dict) or "$ref" in node:
        return None
    if not isinstance(node.get("properties", {}), dict):
        return None
    return node


def item_parent(definition: dict[str, Any], parent: str) -> str:
    """``/courses`` (a repeating section) → ``/courses/-``: the pointer prefix of its items;
    ``""`` and a group's pointer stay as they are."""
    pattern = data_pattern(parent)
    if not pattern or pattern.endswith("/-"):
        return pattern
    found = property_at(definition, pattern)
    if isinstance(found, dict) and schema_type(found) == "array":
        return pattern + "/-"
    return pattern


def locate(definition: dict[str, Any], pointer: str) -> Spot:
    """The field at ``pointer``; refused when there is none."""
    pattern = data_pattern(pointer)
    tokens = pointer_parts(pattern)
    if not tokens or tokens[-1] == "-":
        raise EditRefused(pointer, f"there is no field at {pointer or '/'}")
    parent = pattern[: len(pattern) - len(pointer_join("", tokens[-1]))]
    holder = holder_at(definition, parent)
    if holder is None or tokens[-1] not in (holder.get("properties") or {}):
        raise EditRefused(pointer, f"there is no field at {pointer}")
    return Spot(holder, tokens[-1], parent, pattern)


def parent_of(pointer: str) -> str:
    """The data parent of a field pointer (``/courses/-/date`` → ``/courses/-``)."""
    pattern = data_pattern(pointer)
    tokens = pointer_parts(pattern)
    return pattern[: len(pattern) - len(pointer_join("", tokens[-1]))] if tokens else ""


def label_of(schema: Any, key: str) -> str:
    """A field's label: its title, else its key in words."""
    if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"]:
        return str(schema["title"])
    return key.replace("_", " ").capitalize()


def clean_label(label: str, pointer: str, what: str = "question") -> str:
    """A label stripped of outer blanks; refused when blank or too long."""
    text = " ".join(label.split()) if "\n" not in label else label.strip()
    if not text:
        raise EditRefused(pointer, f"give the {what} a label")
    if len(text) > MAX_LABEL:
        raise EditRefused(pointer, f"a label is at most {MAX_LABEL} characters")
    return text


def taken_names(holder: dict[str, Any]) -> set[str]:
    """Every property name of an object schema, its conditional branches' included."""
    names = set((holder.get("properties") or {}).keys())
    branches: list[Any] = [holder.get("then"), holder.get("else"), *(holder.get("allOf") or [])]
    for branch in branches:
        if isinstance(branch, dict):
            names |= taken_names(branch)
    return names


def unique_name(label: str, taken: set[str], fallback: str = "field") -> str:
    """A machine name from ``label``: snake_case, starting with a letter, not taken."""
    base = snake_case(label) or fallback
    if not base[0].isalpha():
        base = f"{fallback}_{base}"
    name, suffix = base, 2
    while name in taken or name in RESERVED_NAMES:
        name, suffix = f"{base}_{suffix}", suffix + 1
    return name


def member(definition: dict[str, Any], name: str, at: str) -> dict[str, Any]:
    """The object member ``name`` of ``definition`` (created when missing); refused when
    it is something else (written so in the JSON tab), naming ``at``."""
    found = definition.setdefault(name, {})
    if not isinstance(found, dict):
        raise EditRefused(at, "is not an object (as written in the JSON tab): fix it there first")
    return found


def ui_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition's ``ui.fields`` (created when missing)."""
    return member(member(definition, "ui", "/ui"), "fields", "/ui/fields")


def ui_entry(definition: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The ``ui.fields`` entry of ``pointer`` to edit (created when missing)."""
    key = ui_key(definition, pointer)
    return member(
        ui_fields(definition), key, f"/ui/fields/{key.replace('~', '~0').replace('/', '~1')}"
    )


def ui_key(definition: dict[str, Any], pointer: str) -> str:
    """The ``ui.fields`` key naming ``pointer`` (an existing one, else the ``-`` form)."""
    wanted = data_pattern(pointer)
    for key in (definition.get("ui") or {}).get("fields") or {}:
        if data_pattern(key) == wanted:
            return str(key)
    return wanted


def drop_empty_ui(definition: dict[str, Any]) -> None:
    """Remove ``ui.fields`` entries left empty, then an empty ``ui.fields`` and ``ui``."""
    ui = definition.get("ui")
    if not isinstance(ui, dict):
        return
    fields = ui.get("fields")
    if isinstance(fields, dict):
        for key in [k for k, v in fields.items() if v == {}]:
            del fields[key]
        if not fields:
            del ui["fields"]
    if "sections" in ui and not ui["sections"]:
        del ui["sections"]
    if "order" in ui and not ui["order"]:
        del ui["order"]
    if not ui:
        del definition["ui"]


def definition_issues(definition: dict[str, Any]) -> list[Issue]:
    """The validator's issues (``[]`` when the definition is valid)."""
    try:
        validate_definition(definition)
    except DefinitionInvalid as exc:
        return exc.issues
    return []


def checked(
    before: dict[str, Any],
    after: dict[str, Any],
    at: str,
    focus: tuple[str, ...] | None = (),
) -> dict[str, Any]:
    """``after``, unless the edit broke the definition: a valid ``before`` must stay valid;
    for a draft that was already invalid, a new issue under one of the ``focus``
    definition pointers refuses (``None``: any new issue). The validator's sentence is
    the refusal's message."""
    issues = definition_issues(after)
    if not issues:
        return after
    seen = {(i.pointer, i.message) for i in definition_issues(before)}
    new = [i for i in issues if (i.pointer, i.message) not in seen]
    if not seen:
        raise EditRefused(at, _sentence(new[0] if new else issues[0]))
    if focus is not None:
        new = [i for i in new if any((i.pointer + "/").startswith(f + "/") for f in focus)]
    if new:
        raise EditRefused(at, _sentence(new[0]))
    return after


def _sentence(issue: Issue) -> str:
    return f"{issue.message} (at {issue.pointer})" if issue.pointer else issue.message


def schema_pointer(pointer: str) -> str:
    """The definition pointer of a field's schema: ``/courses/-/date`` →
    ``/schema/properties/courses/items/properties/date``."""
    out = "/schema"
    for token in pointer_parts(data_pattern(pointer)):
        out = pointer_join(out, "items") if token == "-" else pointer_join(out, "properties", token)
    return out
