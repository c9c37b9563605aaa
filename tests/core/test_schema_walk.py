"""Subschemas rewritten where they are, and never data or property names; a subschema
naming a dialect stays in the record validator (its patterns, its bounded formats)."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.core.schema_walk import map_schemas

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def test_only_subschemas_are_changed() -> None:
    def drop(node: dict[str, Any]) -> dict[str, Any]:
        node.pop("$schema", None)
        return node

    schema = {
        "$schema": DIALECT,
        "properties": {"$schema": {"$schema": DIALECT}, "n": {"const": {"$schema": DIALECT}}},
        "items": {"$schema": DIALECT},
        "anyOf": [True, {"$schema": DIALECT}],
        "x-notes": {"$schema": DIALECT},
    }
    assert map_schemas(schema, drop) == {
        "properties": {"$schema": {}, "n": {"const": {"$schema": DIALECT}}},
        "items": {},
        "anyOf": [True, {}],
        "x-notes": {"$schema": DIALECT},  # not a keyword this knows: kept as written
    }
    assert schema["items"] == {"$schema": DIALECT}  # a copy: the schema given is unchanged


def test_subschemas_are_changed_before_their_parent() -> None:
    seen: list[Any] = []

    def note(node: dict[str, Any]) -> dict[str, Any]:
        seen.append(node)
        return node

    map_schemas({"not": {"type": "string"}, "type": "object"}, note)
    assert seen == [{"type": "string"}, {"not": {"type": "string"}, "type": "object"}]


@pytest.mark.parametrize("dialect", [DIALECT, "http://json-schema.org/draft-07/schema#"])
def test_a_subschema_naming_a_dialect_keeps_the_record_validators_patterns(dialect: str) -> None:
    """jsonschema would switch to its stock validator there, running the pattern in
    Python's ``re``, which cannot read ``\\p{L}``."""
    field = {"$schema": dialect, "type": "string", "pattern": r"^\p{L}+$"}
    schema = {"type": "object", "properties": {"v": field}}
    assert validate_record_data(schema, {"v": "café"}) == []
    assert [(i.pointer, i.code) for i in validate_record_data(schema, {"v": "1"})] == [
        ("/v", "pattern")
    ]
