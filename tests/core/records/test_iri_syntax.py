"""The linear-time IRI check agrees with jsonschema's own (rfc3987-syntax) on generated text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from miniapps.core.records.iri_syntax import is_iri, is_iri_reference
from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]

# The characters the grammar cares about, a few it refuses, and non-ASCII of each kind.
# No "[" or "]", nor characters beyond U+FFFF: rfc3987-syntax refuses IPv6 hosts and
# ucschar above U+FFFF that RFC 3987 allows (http://[::1]/, U+10000); see test_examples.
ALPHABET = "aZ09:/?#@!$&'()*+,;=-._~% é\ue000\ufffd\x7f\"<>\\^`{|}"
ATOMS = st.sampled_from(["http", "//", "://", "%41", "%4", ":80", "user@", "é"])
TEXT = st.lists(st.one_of(st.sampled_from(ALPHABET), ATOMS), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_agrees_with_rfc3987_syntax(text: str) -> None:
    assert is_iri(text) == is_valid_syntax("iri", text)
    assert is_iri_reference(text) == is_valid_syntax("iri_reference", text)


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
