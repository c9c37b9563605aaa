"""A ``false`` subschema is reported at the value it refuses, never as a crash or at the
record (jsonschema alone drops the path of a ``false`` subschema's error)."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.record_validator import record_validator
from miniapps.core.records.schema_issues import validate_record_data


def issues(field: Any, value: Any) -> list[tuple[str, str, str]]:
    schema = {"type": "object", "properties": {"dose": field}}
    return [(i.pointer, i.code, i.message) for i in validate_record_data(schema, {"dose": value})]


NOT_NEEDED = ("/dose", "false", "Dose is not needed with your other answers")


@pytest.mark.parametrize("keyword", ["anyOf", "oneOf"])
def test_a_choice_of_false_branches_is_an_issue_at_the_value(keyword: str) -> None:
    assert issues({keyword: [False, False]}, 5) == [NOT_NEEDED]
    assert issues({keyword: [False]}, "x") == [NOT_NEEDED]


def test_a_false_field_is_refused_at_the_field_not_the_record() -> None:
    assert issues(False, 5) == [NOT_NEEDED]
    assert issues({"allOf": [True, False]}, 5) == [NOT_NEEDED]
    assert issues({"not": True}, 5) == [
        ("/dose", "not", "Dose is not allowed with your other answers")
    ]


def test_a_field_forbidden_by_a_condition_is_named() -> None:
    schema = {
        "type": "object",
        "properties": {"smoker": {"type": "boolean"}, "packs": {"type": "integer"}},
        "if": {"properties": {"smoker": {"const": False}}},
        "then": {"properties": {"packs": False}},
    }
    found = check_record(SchemaRules(schema), {"smoker": False, "packs": 3}, submit=True)
    assert [(i.pointer, i.code) for i in found.issues] == [("/packs", "false")]
    assert check_record(SchemaRules(schema), {"smoker": True, "packs": 3}, submit=True).ok


def test_the_error_keeps_the_stock_shape_with_its_place() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"prefixItems": [True, False]}},
    }
    (error,) = record_validator(schema).iter_errors({"a": [1, 2]})
    assert error.validator is None and error.message == "False schema does not allow 2"
    assert list(error.absolute_path) == ["a", 1]
    assert list(error.absolute_schema_path) == ["properties", "a", "prefixItems", 1]
