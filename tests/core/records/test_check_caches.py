"""The record check works out what depends on the schema alone once per schema
(:mod:`miniapps.core.records.schema_facts`), and never changes the data it is given."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import miniapps.core.forms  # noqa: F401  (imports the record check the way the app does)
from miniapps.core.bounded_cache import seal
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.date_bounds import bound_issues
from miniapps.core.records.schema_facts import SchemaCache, field_index
from miniapps.core.records.value_safety import value_issues

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "title": "Name", "maxLength": 20},
            "kind": {"type": "string", "title": "Kind", "enum": ["self", "other"]},
            "other_name": {"type": "string", "title": "Other name"},
            "seen_on": {"type": "string", "format": "date", "title": "Seen on"},
            "items": {
                "type": "array",
                "title": "Items",
                "items": {
                    "type": "object",
                    "properties": {"count": {"type": "integer", "title": "Count"}},
                },
            },
        },
    }


# "Other name" is asked only when the kind is "other".
UI = {"fields": {"/other_name": {"show_if": {"properties": {"kind": {"const": "other"}}}}}}


def _counting() -> tuple[SchemaCache[int], list[dict[str, Any]]]:
    made: list[dict[str, Any]] = []

    def make(schema: dict[str, Any]) -> int:
        made.append(schema)
        return len(made)

    return SchemaCache(make), made


def test_a_sealed_schema_is_worked_out_once_and_found_by_identity() -> None:
    schema = _schema()
    seal(schema)
    cache, made = _counting()
    assert cache(schema) == cache(schema) == 1
    assert len(made) == 1
    assert made[0] == schema and made[0] is not schema  # worked out from a copy
    assert field_index(schema) is field_index(schema)


def test_a_schema_not_sealed_is_found_by_its_content() -> None:
    cache, made = _counting()
    assert cache(_schema()) == cache(_schema()) == 1
    assert len(made) == 1
    assert field_index(_schema()) is field_index(_schema())


def test_a_schema_changed_in_place_is_worked_out_again() -> None:
    schema = _schema()
    before = field_index(schema)
    schema["properties"]["extra"] = {"type": "string", "title": "Extra"}
    after = field_index(schema)
    assert "/extra" in after and "/extra" not in before
    assert after is not before
    assert before is field_index(_schema())  # the result made before is unchanged


def test_a_date_bound_added_in_place_is_checked() -> None:
    schema = _schema()
    late = {"name": "A", "seen_on": "2030-01-01"}
    assert bound_issues(schema, late, NOW) == []
    schema["properties"]["seen_on"]["x-not-future"] = True
    [issue] = bound_issues(schema, late, NOW)
    assert (issue.pointer, issue.code) == ("/seen_on", "x-not-future")
    assert issue.message == "Seen on must not be in the future"


def test_a_refused_value_is_named_by_its_field_title() -> None:
    schema = _schema()
    issues = value_issues(schema, {"name": "a\x00b", "items": [{"count": float("inf")}]})
    assert [(i.pointer, i.code) for i in issues] == [
        ("/name", "control_character"),
        ("/items/0/count", "non_finite"),
    ]
    assert issues[0].message.startswith("Name contains a control character (U+0000)")
    assert issues[1].message.startswith("Count is too large a number")


def _data_cases() -> list[dict[str, Any]]:
    return [
        {"name": "Ann", "kind": "other", "other_name": "Bo", "items": [{"count": 2}]},
        {"name": "Ann", "kind": "self", "other_name": "hidden", "items": [{"count": 2}]},
        {"name": "bad\ud800", "kind": "self", "other_name": "x", "items": [{"count": 1e400}]},
        {"kind": "nobody", "seen_on": "not a date", "items": [{"count": "two"}], "x": None},
    ]


def test_the_check_never_changes_the_data_it_is_given() -> None:
    for sealed in (False, True):
        rules = SchemaRules(_schema(), copy.deepcopy(UI))
        if sealed:
            seal(rules.schema, rules.ui)
        for submit in (False, True):
            for data in _data_cases():
                before = copy.deepcopy(data)
                check = check_record(rules, data, submit=submit, now=NOW)
                assert repr(data) == repr(before)  # repr: NaN-safe, order-sensitive
                # "Other name" is hidden unless the kind is "other": copied only to drop it
                dropped = submit and data.get("kind") != "other" and "other_name" in data
                assert (check.data is data) is not dropped


def test_hidden_values_are_dropped_from_a_copy() -> None:
    data = {"name": "Ann", "kind": "self", "other_name": "hidden"}
    check = check_record(SchemaRules(_schema(), UI), data, submit=True, now=NOW)
    assert check.data == {"name": "Ann", "kind": "self"}
    assert data == {"name": "Ann", "kind": "self", "other_name": "hidden"}
    shown = {"name": "Ann", "kind": "other", "other_name": "Bo"}
    assert check_record(SchemaRules(_schema(), UI), shown, submit=True, now=NOW).data is shown
