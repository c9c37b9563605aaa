"""The server's patterns mean what the browser's do (ECMA-262 with the ``u`` flag).

The same cases as ``tests/js/ecma_patterns.test.mjs``: the JSON Schema Test Suite's
``pattern``, ``patternProperties``, ``optional/ecmascript-regex`` and ``non-bmp-regex``
groups, ``format: regex``, and ``tests/js/ecma_pattern_cases.json`` (random patterns with
the answers node gave). Both sides assert the same answers, so they agree on every one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import regress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miniapps.core.forms.condition_language import matches
from miniapps.core.records.patterns import (
    PatternUnsupported,
    is_regex,
    pattern_search,
    rs_pattern,
    searcher,
    syntax_error,
)
from miniapps.core.records.record_validator import record_validator

TESTS = Path(__file__).resolve().parents[2]
SUITE = TESTS / "json_schema_suite" / "tests" / "draft2020-12"
SUITE_FILES = [
    "pattern.json",
    "patternProperties.json",
    "optional/ecmascript-regex.json",
    "optional/non-bmp-regex.json",
    "optional/format/regex.json",
]
CASES: dict[str, Any] = json.loads((TESTS / "js" / "ecma_pattern_cases.json").read_text("utf-8"))


def suite_cases(name: str) -> list[tuple[str, Any, Any, bool]]:
    groups = json.loads((SUITE / name).read_text("utf-8"))
    return [
        (
            f"{group['description']}: {case['description']}",
            group["schema"],
            case["data"],
            case["valid"],
        )
        for group in groups
        for case in group["tests"]
    ]


@pytest.mark.parametrize("name", SUITE_FILES)
def test_the_suite_through_the_record_validator(name: str) -> None:
    wrong = [
        title
        for title, schema, data, valid in suite_cases(name)
        if record_validator(schema).is_valid(data) != valid
    ]
    assert wrong == []


@pytest.mark.parametrize("name", ["pattern.json", "optional/ecmascript-regex.json"])
def test_the_suite_through_the_condition_language(name: str) -> None:
    wrong = []
    for title, schema, data, valid in suite_cases(name):
        condition = {k: v for k, v in schema.items() if k != "$schema"}
        if "patternProperties" not in condition and matches(condition, data) != valid:
            wrong.append(title)
    assert wrong == []


def test_format_regex_is_ecma_syntax() -> None:
    for pattern in (r"(?<n>a)\k<n>", "[]", "[^]", r"\cA", r"\p{Letter}", r"(?<=a+)b", r"\u{1F600}"):
        assert is_regex(pattern), pattern
    for pattern in (r"\a", "(?P<n>a)", r"a\-b", "a{", r"\b*", r"\k<n>", r"\p{letter}", "^(abc]"):
        assert not is_regex(pattern), pattern
    assert is_regex(12) and is_regex(None)


def test_the_generated_cases_give_nodes_answers() -> None:
    texts = CASES["texts"]
    wrong = [p for p in CASES["refused"] if syntax_error(p) is None]
    unsupported = []
    for pattern, answers in CASES["matched"].items():
        error = syntax_error(pattern)
        if error is not None:
            assert "unpaired surrogate" in error, pattern  # refused on purpose, see regex_syntax
            continue
        try:
            search = searcher(pattern)
        except PatternUnsupported:
            unsupported.append(pattern)  # could backtrack badly: publishing refuses it
            continue
        if "".join("1" if search(t) else "0" for t in texts) != answers:
            wrong.append(pattern)
    assert wrong == []
    assert len(unsupported) < 20


def test_jsonschema_rs_given_rs_pattern_agrees() -> None:
    """Anyone running a schema in jsonschema-rs rewrites its patterns with rs_pattern."""
    options = jsonschema_rs.RegexOptions()
    checked = 0
    for pattern, answers in CASES["matched"].items():
        rust = rs_pattern(pattern)
        if rust is None:
            continue
        validator = jsonschema_rs.validator_for({"pattern": rust}, pattern_options=options)
        got = "".join("1" if validator.is_valid(t) else "0" for t in CASES["texts"])
        assert got == answers, pattern
        checked += 1
    assert checked > 300


def test_rs_pattern_is_none_where_a_backtracking_engine_is_needed() -> None:
    for pattern in (r"(?=a)b", r"(?<!a)b", r"(a)\1", r"(?<y>a)\k<y>", "(", r"a\-b"):
        assert rs_pattern(pattern) is None, pattern
    for pattern in (".", r"\s\S\b\B", r"[^\p{L}\d]", "[]", "[^]", r"^\cA$", r"[a&&b]"):
        assert rs_pattern(pattern) is not None, pattern


def test_meaning_where_the_suite_says_nothing() -> None:
    assert not pattern_search("^.$", "\r")
    assert not pattern_search("^.$", "\u2028")
    assert pattern_search(r"^\s$", "\u3000")
    assert not pattern_search(r"^\s$", "\u0085")
    assert not pattern_search(r"\bé", " é")
    assert pattern_search("[a&&b]", "&")  # no class set operations without the v flag
    assert pattern_search(r"(?<=\$\d+)\.\d\d", "$12.50")  # regress: lookbehind
    assert pattern_search(r"^(?<y>\d{2})-\k<y>$", "12-12")
    assert not pattern_search(r"^(?<y>\d{2})-\k<y>$", "12-13")
    assert pattern_search("^.$", "\ud800")  # a lone surrogate is one character, no crash
    assert pattern_search(r"(?!x)^.$", "\udfff")


def test_unreadable_or_unsafe_stored_patterns_never_run() -> None:
    for pattern in (r"a\-b", r"(?=x)(a+)+$", "\\ud800"):
        with pytest.raises(PatternUnsupported):
            searcher(pattern)


def test_patterns_a_backtracking_engine_would_choke_on_run_in_the_linear_one() -> None:
    for pattern in (r"^(a+)+$", r"^(\w+\s?)+$", r"^(.*a){12}$"):
        assert rs_pattern(pattern) is not None
        assert not pattern_search(pattern, "a" * 50_000 + "!")  # centuries if it backtracked


ATOMS = [
    "a", "b", ".", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", "[a-c]", "[^a]", r"[\d\s]",
    r"[^\w]", r"\b", r"\B", "^", "$", r"\n", r"\r", r"\u00e9", r"\u{1F600}", r"\p{L}",
    r"\P{Lu}", r"[^\p{L}\d]", r"\cJ", r"\0", r"[\b]", "[]", "[^]", "(?:ab|c)", "(a|b)",
    "[a&&b]", r"[\w-]", "[[]", r"\u03c3", r"\u0130", r"\u2028", r"[\S\d]",
]  # fmt: skip
QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "{0}", "*?"]
TEXT = "ab 0_\n\r\t\u2028\u00a0\ufeff\u0085é\U0001f600\u03c3\u0130\u0131\u3000\x03&[-"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS)), max_size=4),
    anchored=st.booleans(),
    texts=st.lists(st.text(alphabet=TEXT, max_size=6), min_size=1, max_size=8),
)
def test_the_linear_engine_agrees_with_an_ecma_engine(
    parts: list[tuple[str, str]], anchored: bool, texts: list[str]
) -> None:
    """regress implements ECMA-262 itself: wherever the rewritten pattern runs in
    jsonschema-rs, both give the same answer."""
    pattern = "".join(a + q for a, q in parts)
    pattern = f"^(?:{pattern})$" if anchored else pattern
    if syntax_error(pattern) is not None or rs_pattern(pattern) is None:
        return
    reference = regress.Regex(pattern, "u")
    for text in texts:
        assert pattern_search(pattern, text) == (reference.find(text) is not None), text
