"""The linear-time IRI check agrees with rfc3987-syntax (an Earley parser of RFC 3987's
grammar) on 1,500 generated strings, whose answers that parser gave once
(``iri_oracle_cases.json``: ``[text, is iri, is iri-reference]``). The parser itself is not a
dependency: jsonschema builds its grammars whenever it is installed, 3-5 s at every start.

The strings mix the characters the grammar cares about, a few it refuses and non-ASCII of
each kind, after a scheme or authority half the time. No "[" or "]", nor characters beyond
U+FFFF: rfc3987-syntax refuses IPv6 hosts and ucschar above U+FFFF that RFC 3987 allows
(http://[::1]/, U+10000); see test_examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from miniapps.core.records.iri_syntax import is_iri, is_iri_reference

CASES = json.loads((Path(__file__).parent / "iri_oracle_cases.json").read_text("utf-8"))


def test_the_oracle_cases_hold_both_answers() -> None:
    assert len(CASES) == 1500
    assert 100 < sum(iri for _, iri, _ in CASES) < sum(ref for _, _, ref in CASES) < 1500


@pytest.mark.parametrize(("text", "iri", "reference"), CASES)
def test_agrees_with_rfc3987_syntax(text: str, iri: bool, reference: bool) -> None:
    assert (is_iri(text), is_iri_reference(text)) == (iri, reference)


@pytest.mark.parametrize(
    ("text", "iri", "reference"),
    [
        ("https://www.nhs.uk/conditions/?q=a#top", True, True),
        ("http://[::1]:80/", True, True),
        ("http://[::ffff:1.2.3.4]/", True, True),
        ("http://[1::2::3]/", False, False),
        ("http://[v1.x]/", True, True),
        ("//host/path", False, True),
        ("a/b:c", False, True),
        ("1a:b", False, False),
        ("http://a/%zz", False, False),
        ("http://a\ue000/", False, False),
        ("http://a/?\ue000", True, True),
        ("", False, True),
        ("http://a/\U00010000", True, True),
        ("http://a/\U000e0001", False, False),
    ],
)
def test_examples(text: str, iri: bool, reference: bool) -> None:
    assert (is_iri(text), is_iri_reference(text)) == (iri, reference)


def test_non_strings_pass() -> None:
    assert is_iri(12) and is_iri_reference(None)
