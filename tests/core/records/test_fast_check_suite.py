"""The jsonschema-rs fast check never accepts what the Python validator refuses, over every
case of the official JSON Schema Test Suite (draft 2020-12, core and optional), and the
formats agree with the suite at the ``check_record`` level."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.semantics import KNOWN_FORMATS
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.fast_check import fast_validator, for_rust, surely_valid
from miniapps.core.records.format_limits import FORMAT_CHECKS, SPEC_FORMATS
from miniapps.core.records.patterns import pattern_search, rs_pattern
from miniapps.core.records.record_validator import record_validator
from miniapps.core.records.schema_issues import validate_record_data

SUITE = Path(__file__).resolve().parents[2] / "json_schema_suite" / "tests" / "draft2020-12"
SUITE_FILES = sorted(SUITE.rglob("*.json"))
FORMAT_FILES = sorted(SUITE.glob("optional/format/*.json"))

Case = tuple[str, str, Any, Any, bool]  # group, test, schema, data, valid


def cases(path: Path) -> Iterator[Case]:
    for group in json.loads(path.read_text()):
        for test in group["tests"]:
            yield (
                group["description"],
                test["description"],
                group["schema"],
                test["data"],
                test["valid"],
            )


def python_valid(schema: Any, data: Any) -> bool | None:
    """The Python validator's verdict, or None when it cannot decide (a remote $ref)."""
    try:
        return next(record_validator(schema).iter_errors(data), None) is None
    except Exception:  # the fast check must then have refused the schema
        return None


def test_the_suite_is_there() -> None:
    assert len(SUITE_FILES) > 60
    assert {p.stem for p in FORMAT_FILES} >= set(SPEC_FORMATS) - {"regex"}


def test_the_formats_are_the_definitions_known_formats() -> None:
    assert set(SPEC_FORMATS) == KNOWN_FORMATS == set(FORMAT_CHECKS)


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: str(p.relative_to(SUITE)))
def test_the_fast_check_never_accepts_what_python_refuses(path: Path) -> None:
    wrong = [
        f"{group} / {test}: fast says valid, Python says {verdict}"
        for group, test, schema, data, _ in cases(path)
        if surely_valid(schema, data) and (verdict := python_valid(schema, data)) is not True
    ]
    assert wrong == []


def test_the_fast_check_decides_most_of_the_suite() -> None:
    """Not vacuous: most cases the suite calls valid are accepted by jsonschema-rs alone."""
    valid = [(s, d) for path in SUITE_FILES for _, _, s, d, ok in cases(path) if ok]
    fast = sum(surely_valid(s, d) for s, d in valid)
    assert fast / len(valid) > 0.85, (fast, len(valid))


def test_a_schema_jsonschema_rs_cannot_mean_the_same_is_never_fast() -> None:
    assert fast_validator({"pattern": "(?<=a)b"}) is None  # lookbehind: not linear
    assert fast_validator({"$ref": "http://localhost:1234/draft2020-12/integer.json"}) is None
    assert fast_validator({"format": "color"}) is None  # unknown: Python still bounds it
    assert fast_validator({"$schema": "http://json-schema.org/draft-07/schema#"}) is None
    loop = {"$defs": {"d": {"allOf": [{"$ref": "#/$defs/d"}]}}, "$ref": "#/$defs/d"}
    assert fast_validator(loop) is None  # Python would recurse without end: publish refuses
    assert fast_validator({"type": "string", "format": "date"}) is not None
    # Two names that run as one pattern: jsonschema-rs would keep one of the subschemas.
    twins = {"patternProperties": {"a": {"type": "integer"}, "\\x61": {"type": "string"}}}
    assert fast_validator(twins) is None
    assert python_valid(twins, {"a": "x"}) is False


def test_patterns_reach_jsonschema_rs_as_the_python_validator_runs_them() -> None:
    schema = {
        "properties": {"pattern": {"pattern": r"^\s$"}},
        "patternProperties": {r"^\w$": {"const": {"pattern": r"\s"}}},
    }
    assert for_rust(schema) == {
        "properties": {"pattern": {"pattern": rs_pattern(r"^\s$")}},
        "patternProperties": {rs_pattern(r"^\w$"): {"const": {"pattern": r"\s"}}},
    }
    for text in ("\u00a0", "\ufeff", " ", "\r", "x"):
        assert surely_valid({"pattern": r"^\s$"}, text) == pattern_search(r"^\s$", text)
        assert surely_valid({"pattern": "^.$"}, text) == pattern_search("^.$", text)
    assert fast_validator({"x-notes": {"pattern": "a"}}) is None  # a $ref could use it


def test_bounds_and_python_arithmetic_hold_in_the_fast_check() -> None:
    uri = "https://example.com/" + "a" * 3000  # a real address, longer than the bound
    assert not surely_valid({"format": "uri"}, uri)
    assert validate_record_data({"properties": {"u": {"format": "uri"}}}, {"u": uri})
    assert not surely_valid({"multipleOf": 0.1}, 0.3)  # jsonschema's float arithmetic
    assert surely_valid({"multipleOf": 0.5}, 2**70)


def format_cases() -> Iterator[Any]:
    for path in FORMAT_FILES:
        for group, test, schema, data, valid in cases(path):
            if schema.get("format") in KNOWN_FORMATS:
                yield pytest.param(schema, data, valid, id=f"{path.stem}: {group} / {test}")


@pytest.mark.parametrize(("field_schema", "value", "valid"), list(format_cases()))
def test_formats_agree_with_the_suite_through_check_record(
    field_schema: dict[str, Any], value: Any, valid: bool
) -> None:
    """Each ``optional/format`` test as the value of a field ``v``: the record check
    (fast check first) and the Python validator alone give the suite's answer."""
    schema = {"type": "object", "properties": {"v": field_schema}}
    verdict = check_record(SchemaRules(schema), {"v": value}, submit=True)
    assert [(i.pointer, i.code) for i in verdict.issues] == ([] if valid else [("/v", "format")])
    python_issues = validate_record_data(schema, {"v": value})
    assert [(i.pointer, i.code) for i in python_issues] == ([] if valid else [("/v", "format")])
