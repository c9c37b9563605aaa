"""Publish-time pattern checks: what is refused, where, and what is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.backtracking import backtracking_problem
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.pattern_checks import (
    condition_pointers,
    pattern_problem,
    schema_patterns,
)
from miniapps.core.definitions.regex_syntax import RegexSyntaxError, parse_pattern
from miniapps.core.errors import DefinitionInvalid

CATASTROPHIC = [
    r"^(a+)+$",
    r"(a*)*",
    r"(a|a)*",
    r"(\w+\s?)+",
    r"(\w|\d)+",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(.*a){3}",
    r"(a?a?)+",
    r"(b|a+)+",
    r"(a+){5}",
    r"(\w+,\w+)+",
    r"(a|)*",
    r"(x+x+)+y",
]
POLYNOMIAL = [r".*a.*a.*a.*b", r"^.*a.*a.*a$", r"(?:ab)*ab(?:ab)*ab(?:ab)*c", r"\d+\d+x"]
SAFE = [
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
    r"^[0-9]{10}$",
    r"^(\d+,)+$",
    r"(,\d+)+",
    r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$",
    r"^\d+(,\d+)?$",
    r"urgent",
    r"^.*urgent.*$",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    r"^(?:\d{1,3}\.){3}\d{1,3}$",
    r"\S",
    r"^(/[^/]+)+$",
    r"(a|b)*",
    r"^(Mr|Mrs|Ms|Dr)$",
    r"^\p{L}+$",
    r"^(?<year>\d{4})-\d{2}$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC + POLYNOMIAL)
def test_patterns_that_backtrack_badly_are_refused(pattern: str) -> None:
    assert backtracking_problem(parse_pattern(pattern)) is not None
    assert pattern_problem(pattern) is not None


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_allowed(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"(?i)abc", "inline flags"),
        (r"a\-b", "not an escape browsers accept"),
        (r"\a", "not an escape browsers accept"),
        (r"(?P<n>a)", "inline flags"),
        (r"a{", "literal brace"),
        (r"a{,5}", "literal brace"),
        (r"}", "literal “}”"),
        (r"[z-a]", "range"),
        (r"[\d-x]", "range"),
        (r"(ab", "not closed"),
        (r"[ab", "not closed"),
        (r"ab)", "not opened"),
        (r"\b*", "nothing to repeat"),
        (r"(?=a)*", "nothing to repeat"),
        (r"(a)\2", "the pattern has 1 group"),
        (r"\k<y>", "no group of that name"),
        (r"(?<y>a)(?<y>b)", "two groups"),
        (r"\c1", "needs a letter"),
        (r"\01", "octal"),
        (r"\p{Foo}", "invalid property name"),
        (r"\p{letter}", "invalid property name"),
        (r"\x4", "hexadecimal"),
        (r"\u{110000}", "beyond Unicode"),
        (r"[\B]", "cannot be used inside"),
    ],
)
def test_unreadable_patterns_are_refused_in_plain_words(pattern: str, words: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and problem.startswith("cannot be read by browsers")
    assert words in problem


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?=a)b",
        r"(?<!a)b",
        r"(?<=\$\d+)\.\d\d",  # variable-width lookbehind
        r"(a)\1",
        r"^(?<year>\d{4})-\k<year>$",
        r"[]",
        r"[^]",
        r"^\cA\cz$",
        r"\p{Letter}\P{Script=Greek}\p{gc=Lu}\p{digit}",
        r"\u0041\u{1F600}\x41\0\/",
        r"\ud83d\ude00",  # a surrogate pair: one character
        r"a{1001}",
        r"[\b\-\w-]",
        r"(?<$name_1>x)",
    ],
)
def test_what_browsers_read_with_the_u_flag_is_allowed(pattern: str) -> None:
    assert pattern_problem(pattern) is None


def test_an_unpaired_surrogate_is_refused_though_browsers_read_it() -> None:
    for pattern in (r"\ud83d", "\ud800", r"[\udc00-\udfff]"):
        problem = pattern_problem(pattern)
        assert problem is not None and problem.startswith("cannot be used: it holds an unpaired")


def test_lookaround_and_backreferences_still_get_the_backtracking_check() -> None:
    assert pattern_problem(r"(?=(a+)+$)") is not None
    assert pattern_problem(r"(?<=(\w|\d)+)x") is not None
    assert pattern_problem(r"^(a|a)*\1$") is not None


def test_class_and_escape_reading() -> None:
    with pytest.raises(RegexSyntaxError):
        parse_pattern(r"[\d-x]")  # the u flag refuses a class in a range
    assert pattern_problem(r"[\d\-x]\u{41}\x41\t[^\]]") is None


def definition(schema_extra: dict[str, Any], ui: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "patterned",
        "title": "Patterned",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "title": "Code"},
                "note": {"type": "string", "title": "Note"},
            },
            **schema_extra,
        },
    }
    if ui is not None:
        raw["ui"] = ui
    return raw


def refused(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_every_place_a_pattern_can_be_is_checked() -> None:
    raw = definition(
        {
            "patternProperties": {"^(x+)+$": {"type": "string"}},
            "if": {"properties": {"code": {"pattern": "(a|a)*"}}},
            "then": {"properties": {"note": {"pattern": "(?=x)\\"}}},
            "$defs": {"part": {"type": "string", "pattern": "(a*)*"}},
        },
        ui={
            "fields": {
                "/note": {"show_if": {"not": {"properties": {"code": {"pattern": "(a+)+"}}}}}
            }
        },
    )
    assert sorted(refused(raw)) == [
        "/schema/$defs/part/pattern",
        "/schema/if/properties/code/pattern",
        "/schema/patternProperties/^(x+)+$",
        "/schema/then/properties/note/pattern",
        "/ui/fields/~1note/show_if/not/properties/code/pattern",
    ]


def test_conditions_elsewhere_in_the_definition_are_found_through_the_meta_schema() -> None:
    raw = definition({})
    raw["workflow"] = {
        "initial": "open",
        "states": {"open": {"title": "Open"}, "closed": {"title": "Closed"}},
        "transitions": [
            {
                "action": "close",
                "title": "Close",
                "from": ["open"],
                "to": "closed",
                "roles": ["practice_manager"],
                "when": {"properties": {"code": {"pattern": "^(\\w+\\s?)+$"}}},
            }
        ],
    }
    assert condition_pointers(raw) == ["/workflow/transitions/0/when"]
    issues = refused(raw)
    assert list(issues) == ["/workflow/transitions/0/when/properties/code/pattern"]


def test_a_pattern_python_cannot_compile_is_reported_once() -> None:
    raw = definition({"properties": {"code": {"type": "string", "pattern": "("}}})
    assert list(refused(raw)) == ["/schema/properties/code/pattern"]


def test_schema_patterns_walks_subschemas() -> None:
    schema = {
        "items": {"pattern": "a"},
        "prefixItems": [{"pattern": "b"}],
        "dependentSchemas": {"x": {"propertyNames": {"pattern": "c"}}},
    }
    assert list(schema_patterns(schema, "/s")) == [
        ("/s/items/pattern", "a"),
        ("/s/prefixItems/0/pattern", "b"),
        ("/s/dependentSchemas/x/propertyNames/pattern", "c"),
    ]


def test_publishing_reads_exactly_what_node_reads() -> None:
    """``tests/js/ecma_pattern_cases.json``: patterns node refused, and patterns it read."""
    cases_file = Path(__file__).resolve().parents[2] / "js" / "ecma_pattern_cases.json"
    cases = json.loads(cases_file.read_text("utf-8"))
    for pattern in cases["refused"]:
        problem = pattern_problem(pattern)
        assert problem is not None and problem.startswith("cannot be read by browsers"), pattern
    for pattern in cases["matched"]:
        problem = pattern_problem(pattern) or ""
        assert not problem.startswith("cannot be read by browsers"), (pattern, problem)
