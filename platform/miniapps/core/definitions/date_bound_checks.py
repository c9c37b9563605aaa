"""``x-not-future`` and ``x-not-past`` are only written on a date or date-time string of
the record schema.

The keywords (:mod:`miniapps.core.records.date_bounds`) mean nothing on a number, a
choice or a plain text field, and a silent no-op would let a designer believe the
check is made: such a use is refused at the keyword itself
(``/schema/properties/occurred_at/x-not-future``), wherever in the schema it is
written (a branch, ``$defs``, the items of a repeating section).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.schema_fields import resolve, schema_type
from miniapps.core.pointers import pointer_join
from miniapps.core.records.date_bounds import BOUNDS, DATE_FORMATS

# Keywords whose value is a map of names to subschemas, one subschema, or a list of them.
# (Not ``if``: a condition cannot use the keyword at all, and the condition check says so.)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contains",
    "propertyNames",
    "not",
    "then",
    "else",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def check_date_bounds(ctx: SemanticContext) -> None:
    """Every ``x-not-future`` and ``x-not-past`` of the record schema is ``true`` or
    ``false``, and ``true`` only on a string field with ``"format": "date"`` or
    ``"date-time"``."""
    root = ctx.raw.get("schema")
    if not isinstance(root, dict):
        return
    for node, at in subschemas(root, "/schema", 0):
        for keyword in BOUNDS:
            if keyword in node:
                _check_keyword(ctx, node, root, keyword, pointer_join(at, keyword))


def _check_keyword(
    ctx: SemanticContext, node: dict[str, Any], root: dict[str, Any], keyword: str, here: str
) -> None:
    value = node[keyword]
    if not isinstance(value, bool):
        ctx.add(here, f"{keyword} is true or false", "type")
    elif value and not _is_date_string(resolve(node, root)):
        message = (
            f'{keyword} only applies to a date or date-time: a string field with "format": '
            '"date" or "date-time"'
        )
        ctx.add(here, message, "not_allowed")


def _is_date_string(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    return schema_type(node) in (None, "string") and node.get("format") in DATE_FORMATS


def subschemas(node: Any, at: str, depth: int) -> Iterator[tuple[dict[str, Any], str]]:
    """Every (sub)schema object of ``node`` with its pointer in the definition."""
    if not isinstance(node, dict) or depth > 64:
        return
    yield node, at
    for keyword in _SCHEMA_MAPS:
        members = node.get(keyword)
        if isinstance(members, dict):
            for name, sub in members.items():
                yield from subschemas(sub, pointer_join(at, keyword, name), depth + 1)
    for keyword in _SCHEMA_ONE:
        yield from subschemas(node.get(keyword), pointer_join(at, keyword), depth + 1)
    for keyword in _SCHEMA_LISTS:
        branches = node.get(keyword)
        for i, sub in enumerate(branches if isinstance(branches, list) else []):
            yield from subschemas(sub, pointer_join(at, keyword, i), depth + 1)
