"""Run a definition's regular expressions as browsers do (ECMA-262, ``u`` flag), safely.

JSON Schema's ``pattern``, ``patternProperties`` (also where ``additionalProperties`` and
``unevaluatedProperties`` decide which members they cover), the condition language's
``pattern`` and answers in ``format: regex`` all come here instead of Python's ``re``,
whose meaning differs (``$`` before a final new line, Unicode ``\\d``) and which
backtracks.

A pattern is read by :mod:`miniapps.core.definitions.regex_syntax` (what the browser's
``new RegExp(p, "u")`` refuses, this refuses), then run by jsonschema-rs's linear-time
engine, written out by :mod:`miniapps.core.records.rust_patterns` so that it keeps the
browser's meaning: ``^(a+)+$`` cannot tie up a worker whatever is typed. The few
patterns that need a backtracking engine (lookaround, backreferences) run in ``regress``
(an ECMA-262 engine) only if the static check of
:mod:`miniapps.core.definitions.backtracking` finds they cannot backtrack
catastrophically; publishing refuses the others, and one stored before that fails every
value it is asked about (:class:`PatternUnsupported`, reported as a ``pattern`` issue)
rather than risk a hang.

Unicode properties (``\\p{L}``) follow each engine's Unicode tables, so characters new in
the latest Unicode versions may be classed differently than by a given browser (as
browsers differ among themselves).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import jsonschema_rs
import regress

from miniapps.core.definitions.backtracking import backtracking_problem
from miniapps.core.definitions.regex_syntax import RegexSyntaxError, parse_pattern
from miniapps.core.records.rust_patterns import rust_pattern

# The browser's condition evaluator tests at most this many characters of an answer
# against a pattern, and so does the server's twin (a longer answer never matches).
PATTERN_INPUT_LIMIT = 10_000

Search = Callable[[str], bool]
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PatternUnsupported(ValueError):
    """A stored pattern that browsers cannot read, or that only a backtracking engine
    could run and that might backtrack catastrophically there."""


def syntax_error(pattern: str) -> str | None:
    """Why ``new RegExp(pattern, "u")`` would refuse ``pattern`` (or why this platform
    does: an unpaired surrogate, see :mod:`~miniapps.core.definitions.regex_syntax`), or
    None when it reads it."""
    try:
        parse_pattern(pattern)
    except RegexSyntaxError as error:
        return str(error)
    try:
        regress.Regex(pattern, "u")  # e.g. an unknown Unicode property name
    except regress.RegressError as error:
        return str(error)
    return None


@lru_cache(maxsize=1024)
def rs_pattern(pattern: str) -> str | None:
    """``pattern`` as jsonschema-rs's linear-time engine (``RegexOptions``) must be given it
    to run it as browsers do, or None when it cannot (lookaround, backreferences, not a
    pattern browsers read, or over that engine's size limit). Whoever runs a schema's
    patterns in jsonschema-rs rewrites them with this, so that it agrees with this module."""
    if syntax_error(pattern) is not None:
        return None
    rust = rust_pattern(parse_pattern(pattern))
    return rust if rust is not None and _rs_validator(rust) is not None else None


@lru_cache(maxsize=1024)
def _rs_validator(rust: str) -> jsonschema_rs.Validator | None:
    try:
        return jsonschema_rs.validator_for(
            {"pattern": rust}, pattern_options=jsonschema_rs.RegexOptions()
        )
    except (jsonschema_rs.ValidationError, ValueError):
        return None


@lru_cache(maxsize=1024)
def searcher(pattern: str) -> Search:
    """A function telling whether ``pattern`` matches somewhere in a string.

    Raises :class:`PatternUnsupported` for a pattern browsers cannot read, or one that
    could only run in a backtracking engine and might backtrack catastrophically there."""
    rust = rs_pattern(pattern)
    validator = _rs_validator(rust) if rust is not None else None
    if validator is not None:
        return _guarded(validator.is_valid)
    if syntax_error(pattern) is not None or backtracking_problem(parse_pattern(pattern)):
        raise PatternUnsupported(pattern)
    compiled = regress.Regex(pattern, "u")
    return _guarded(lambda text: compiled.find(text) is not None)


def _guarded(search: Search) -> Search:
    def guarded(text: str) -> bool:
        try:
            return search(text)
        except UnicodeEncodeError:  # a lone surrogate: neither engine takes one
            return search(LONE_SURROGATE.sub("\ufffd", text))

    return guarded


def pattern_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (JSON Schema's ``pattern``)."""
    return searcher(pattern)(text)


def condition_pattern(pattern: str, text: str) -> bool:
    """The condition language's ``pattern``: as :func:`pattern_search`, but an answer
    longer than :data:`PATTERN_INPUT_LIMIT` never matches (the browser's rule too), and
    an unsupported pattern never matches."""
    if len(text) > PATTERN_INPUT_LIMIT:
        return False
    try:
        return pattern_search(pattern, text)
    except PatternUnsupported:
        return False


def is_regex_text(value: str) -> bool:
    """Whether browsers read ``value`` as a pattern (``new RegExp(value, "u")``)."""
    return syntax_error(value) is None


def is_regex(value: object) -> bool:
    """``format: regex``: ECMA-262 syntax with the ``u`` flag (non-strings pass, as JSON
    Schema says)."""
    return not isinstance(value, str) or is_regex_text(value)
