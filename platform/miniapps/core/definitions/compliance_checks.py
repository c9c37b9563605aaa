"""The ``compliance`` and ``evidence`` members make sense on their own.

Each ``evidence`` entry names statements and a category either directly or through a
field of the record: a ``statements_field`` is a choice field (one, or an array of
several) whose choices are statement ids; a ``category_field`` is a single-choice field
whose choices are category ids; a ``title_field`` is a field holding text; ``when`` is a
condition in the ``show_if`` language naming real fields. Fields inside a repeating
section are refused: a record counts once, not per item.

Whether the framework is loaded and knows those ids is for the publishing service,
which has the loaded versions: :func:`framework_ids` lists every id a definition names,
each with its pointer, for that check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.schema_fields import Field, enum_choices, find_field, resolve
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join

# Statement and category ids are names, like the framework file's ids.
ID_SHAPE = re.compile(r"^[a-z][a-z0-9_]*$")
STATEMENT_KINDS = frozenset({"enum", "multi_enum"})
TEXT_KINDS = frozenset({"string", "enum", "integer", "number"})


@dataclass(frozen=True)
class NamedId:
    """A framework, statement or category id a definition names, and where."""

    framework: str
    kind: str  # "framework", "statement" or "category"
    id: str
    pointer: str


def check_compliance(ctx: SemanticContext) -> None:
    """Append an issue to ``ctx`` for each problem of ``evidence`` found."""
    for i, entry in enumerate(ctx.raw.get("evidence") or []):
        at = pointer_join("/evidence", i)
        if "statements_field" in entry:
            _check_choice_field(
                ctx, entry["statements_field"], pointer_join(at, "statements_field"), "statement"
            )
        if "category_field" in entry:
            _check_choice_field(
                ctx, entry["category_field"], pointer_join(at, "category_field"), "category"
            )
        if "title_field" in entry:
            _check_title_field(ctx, entry["title_field"], pointer_join(at, "title_field"))
        if "when" in entry:
            here = pointer_join(at, "when")
            ctx.issues.extend(unsupported_keywords(entry["when"], here))
            check_condition(ctx, entry["when"], here, "")


def _field_or_issue(ctx: SemanticContext, pointer: str, at: str) -> Field | None:
    found = ctx.find(pointer)
    if found is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
        return None
    if "/-" in found.pointer:
        ctx.add(at, f"{pointer} is inside a repeating section: name a field of the record itself")
        return None
    return found


def _check_choice_field(ctx: SemanticContext, pointer: str, at: str, what: str) -> None:
    found = _field_or_issue(ctx, pointer, at)
    if found is None:
        return
    kinds = STATEMENT_KINDS if what == "statement" else frozenset({"enum"})
    if found.kind not in kinds:
        needs = (
            "a choice field (or an array of choices) whose values are statement ids"
            if what == "statement"
            else "a single-choice field whose values are evidence category ids"
        )
        ctx.add(at, f"{pointer} must be {needs}", "widget_mismatch")
        return
    for value, _label in found.choices:
        if not isinstance(value, str) or not ID_SHAPE.match(value):
            ctx.add(
                at,
                f"{pointer} offers {value!r}, which is not a {what} id "
                "(lower-case letters, digits and _, starting with a letter)",
            )


def _check_title_field(ctx: SemanticContext, pointer: str, at: str) -> None:
    found = _field_or_issue(ctx, pointer, at)
    if found is not None and found.kind not in TEXT_KINDS:
        ctx.add(at, f"{pointer} does not hold text to name a record by (use a text field)")


def framework_ids(raw: dict[str, Any]) -> list[NamedId]:
    """Every framework, statement and category id ``raw`` names, in definition order,
    each at the pointer an error about it should carry. A choice of a field points at
    the choice in the record schema (``/schema/properties/statements/items/oneOf/3/const``)."""
    named: list[NamedId] = []
    compliance = raw.get("compliance")
    if isinstance(compliance, dict) and "framework" in compliance:
        named.append(NamedId(compliance["framework"], "framework", "", "/compliance/framework"))
    schema = raw.get("schema") or {}
    for i, entry in enumerate(raw.get("evidence") or []):
        at = pointer_join("/evidence", i)
        framework = entry["framework"]
        named.append(NamedId(framework, "framework", "", pointer_join(at, "framework")))
        for k, sid in enumerate(entry.get("statements") or []):
            named.append(NamedId(framework, "statement", sid, pointer_join(at, "statements", k)))
        if "category" in entry:
            named.append(
                NamedId(framework, "category", entry["category"], pointer_join(at, "category"))
            )
        for member, kind in (("statements_field", "statement"), ("category_field", "category")):
            if member in entry:
                for value, where in _choices_at(schema, entry[member]):
                    named.append(NamedId(framework, kind, value, where))
    return named


def _choices_at(schema: dict[str, Any], pointer: str) -> list[tuple[str, str]]:
    """``(value, pointer of the choice)`` for the string choices of the field at ``pointer``."""
    found = find_field(schema, pointer)
    if found is None:
        return []
    at = "/schema" + "".join(f"/properties/{part}" for part in pointer.split("/")[1:])
    node = found.schema
    if found.kind == "multi_enum":
        node = resolve(node.get("items", {}), schema)
        at = pointer_join(at, "items")
    if not isinstance(node, dict):
        return []
    if "enum" in node:
        return [
            (value, pointer_join(at, "enum", k))
            for k, value in enumerate(node["enum"])
            if isinstance(value, str)
        ]
    options = "oneOf" if "oneOf" in node else "anyOf"
    return [
        (value, pointer_join(at, options, k, "const"))
        for k, (value, _title) in enumerate(enum_choices(node))
        if isinstance(value, str)
    ]
