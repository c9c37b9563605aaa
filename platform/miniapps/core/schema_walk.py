"""Rewrite every subschema of a draft 2020-12 schema, knowing where subschemas are.

A schema's own words (``"pattern"``, ``"$schema"``) can also be the name of a property or
sit inside data (``const``, ``enum``), where changing them would change what the schema
means. :func:`map_schemas` changes only real subschemas: it follows the keywords that
hold them and copies everything else as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DRAFT_2020_12 = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
    }
)

# Keywords whose value holds subschemas in draft 2020-12: a map of them, one, or a list of
# them (tuples, so that walks over them report in the same order every time).
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_ONE = (
    "additionalProperties", "unevaluatedProperties", "items", "unevaluatedItems", "contains",
    "propertyNames", "not", "if", "then", "else",
)  # fmt: skip
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Keywords whose value is data or names, never a subschema.
NOT_SCHEMAS = frozenset(
    {"const", "enum", "default", "examples", "required", "dependentRequired", "$vocabulary"}
)
KNOWN = frozenset((*SCHEMA_MAPS, *SCHEMA_ONE, *SCHEMA_LISTS, *NOT_SCHEMAS))

Change = Callable[[dict[str, Any]], dict[str, Any]]


def map_schemas(schema: Any, change: Change) -> Any:
    """A copy of ``schema`` with ``change`` applied to each subschema object (its own
    subschemas already changed). Booleans and values under keywords this does not know
    are kept as written: ``change`` sees them and decides what they mean to it."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: map_schemas(sub, change) for name, sub in value.items()}
        elif key in SCHEMA_ONE:
            out[key] = map_schemas(value, change)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [map_schemas(sub, change) for sub in value]
        else:
            out[key] = value
    return change(out)
