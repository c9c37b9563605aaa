"""The record validator: patterns in a linear-time engine, formats bounded and after
lengths, same errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from miniapps.core.forms.condition_language import matches
from miniapps.core.records.format_limits import FORMAT_CHECKER, FORMAT_MAX_CHARS, SPEC_FORMATS
from miniapps.core.records.patterns import (
    PATTERN_INPUT_LIMIT,
    PatternUnsupported,
    condition_pattern,
    pattern_search,
    searcher,
)
from miniapps.core.records.record_validator import record_validator
from miniapps.core.records.schema_issues import validate_record_data

EVIL = "^(a+)+$"
EVIL_ANSWER = "a" * 40 + "!"  # centuries in a backtracking engine
# Linear, for these checks: a slow, shared machine does each in well under a second; a
# backtracking engine would take minutes to centuries. Counted in this process's CPU
# time, so that the host pausing it (another job, a stalled VM) is not: a one-second
# wall-clock bound failed a CI run that way (1.15 s for what takes 0.1 s).
LINEAR_CPU_SECONDS = 5


@contextmanager
def linear_time() -> Iterator[None]:
    started = time.process_time()
    yield
    assert time.process_time() - started < LINEAR_CPU_SECONDS


def issues(schema: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    return [(i.pointer, i.code) for i in validate_record_data(schema, data)]


def test_patterns_run_in_linear_time() -> None:
    with linear_time():
        assert not pattern_search(EVIL, EVIL_ANSWER)
        assert not pattern_search(EVIL, "a" * 1_000_000 + "!")
        assert pattern_search(EVIL, "aaaa")


def test_pattern_semantics_are_ecma_like() -> None:
    assert not pattern_search("^a$", "a\n")  # $ is the end of the text, as in browsers
    assert not pattern_search(r"^\d$", "٣")  # \d is ASCII, as in browsers
    assert pattern_search("é+", "café")
    assert not pattern_search("^.$", "\ud800x")  # a lone surrogate does not crash the check


def test_a_stored_pattern_the_linear_engine_cannot_run_falls_back_only_when_safe() -> None:
    assert pattern_search(r"^(?!x)\d+$", "123")  # lookahead, harmless: regress runs it
    with pytest.raises(PatternUnsupported):
        searcher(r"^(?!x)(a+)+$")
    assert not condition_pattern(r"^(?!x)(a+)+$", "aaa")


def test_every_regex_keyword_runs_in_linear_time() -> None:
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": EVIL}},
        "patternProperties": {EVIL: {"type": "integer"}},
        "additionalProperties": False,
        "$defs": {"tagged": {"unevaluatedProperties": False, "patternProperties": {EVIL: {}}}},
    }
    nested: dict[str, Any] = {"type": "object", "properties": {"tags": {"$ref": "#/$defs/t"}}}
    nested["$defs"] = {"t": {"type": "object", "patternProperties": {EVIL: {}}}}
    nested["$defs"]["t"]["unevaluatedProperties"] = False
    with linear_time():
        assert issues(schema, {"code": EVIL_ANSWER, EVIL_ANSWER: 1, "aaa": "x"}) == [
            ("/code", "pattern"),
            ("/aaa", "type"),
            (f"/{EVIL_ANSWER}", "additionalProperties"),
        ]
        assert issues(nested, {"tags": {"aaa": 1, EVIL_ANSWER: 2}}) == [
            (f"/tags/{EVIL_ANSWER}", "unevaluatedProperties")
        ]


def test_errors_keep_the_stock_validators_shape() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[0-9]+$"}},
        "patternProperties": {"^x_": {"type": "integer"}},
        "additionalProperties": False,
    }
    data = {"code": "12a", "x_1": "no", "other": 1}
    ours = record_validator(schema).iter_errors(data)
    stock = Draft202012Validator(schema).iter_errors(data)

    def shape(errors: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (e.validator, list(e.absolute_path), list(e.absolute_schema_path), e.message)
            for e in errors
        )

    assert shape(ours) == shape(stock)


def test_a_string_over_max_length_is_not_format_checked() -> None:
    schema = {
        "type": "object",
        "properties": {"u": {"type": "string", "format": "iri-reference", "maxLength": 10}},
    }
    with linear_time():
        found = validate_record_data(schema, {"u": "a" * 100_000})
    assert [(i.pointer, i.code, i.message) for i in found] == [
        ("/u", "maxLength", "U must be 10 characters or fewer")
    ]


@pytest.mark.parametrize("fmt", SPEC_FORMATS)
def test_no_format_check_sees_more_than_the_bound(fmt: str) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}}
    answer = "a:" * 20_000
    with linear_time():
        found = validate_record_data(schema, {"v": answer})
    assert [(i.code, i.message) for i in found] == [
        ("maxLength", f"V must be {FORMAT_MAX_CHARS} characters or fewer")
    ]
    assert not FORMAT_CHECKER.conforms(answer, fmt)


@pytest.mark.parametrize("fmt", SPEC_FORMATS)
def test_every_format_costs_little_up_to_the_bound(fmt: str) -> None:
    with linear_time():
        for unit in ("a", "a:", "/", "é", "a.", "x@", "%4", "1"):
            FORMAT_CHECKER.conforms((unit * FORMAT_MAX_CHARS)[:FORMAT_MAX_CHARS], fmt)


def test_format_regex_means_a_pattern_browsers_read() -> None:
    schema = {"type": "object", "properties": {"r": {"type": "string", "format": "regex"}}}
    assert issues(schema, {"r": "^[a-z]+$"}) == []
    assert issues(schema, {"r": r"(a)\1"}) == []
    assert issues(schema, {"r": r"(?P<n>a)"}) == [("/r", "format")]


def test_the_condition_language_runs_in_linear_time_with_the_browsers_length_limit() -> None:
    assert not matches({"pattern": EVIL}, EVIL_ANSWER)
    assert matches({"pattern": "^a"}, "a" * PATTERN_INPUT_LIMIT)
    assert not matches({"pattern": "^a"}, "a" * (PATTERN_INPUT_LIMIT + 1))
    assert matches({"not": {"pattern": "^a"}}, "a" * (PATTERN_INPUT_LIMIT + 1))
