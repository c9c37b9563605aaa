"""Run a definition's regular expressions in linear time (RE2), whoever wrote them.

JSON Schema's ``pattern``, ``patternProperties`` (also where ``additionalProperties`` and
``unevaluatedProperties`` decide which members they cover), the condition language's
``pattern`` and answers in ``format: regex`` all come here instead of Python's
backtracking ``re``: RE2 (PyPI ``google-re2``) takes time proportional to the answer,
so ``^(a+)+$`` cannot tie up a worker whatever is typed.

RE2 does not read backreferences or lookaround. Publishing refuses such patterns
(:mod:`miniapps.core.definitions.pattern_checks`); one already stored in an older
version runs in Python's ``re`` only if the same static check finds it cannot backtrack
catastrophically, and otherwise fails every value it is asked about
(:class:`PatternUnsupported`, reported as a ``pattern`` issue) rather than risk a hang.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import re2

from miniapps.core.definitions.backtracking import backtracking_problem
from miniapps.core.definitions.regex_syntax import RegexSyntaxError, parse_pattern

# The browser's condition evaluator tests at most this many characters of an answer
# against a pattern, and so does the server's twin (a longer answer never matches).
PATTERN_INPUT_LIMIT = 10_000

Search = Callable[[str], bool]


class PatternUnsupported(ValueError):
    """A stored pattern neither RE2 nor the static backtracking check accepts."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported to its author, not logged
    return options


def re2_error(pattern: str) -> str | None:
    """RE2's reason for refusing ``pattern``, or None when it compiles."""
    try:
        re2.compile(pattern, _options())
    except re2.error as error:
        reason = error.args[0] if error.args else error
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


@lru_cache(maxsize=1024)
def searcher(pattern: str) -> Search:
    """A function telling whether ``pattern`` matches somewhere in a string.

    Raises :class:`PatternUnsupported` for a pattern that could only run in a
    backtracking engine and might backtrack catastrophically there."""
    if re2_error(pattern) is None:
        compiled = re2.compile(pattern, _options())
        # surrogatepass: a lone surrogate must not turn a check into a crash.
        return lambda text: compiled.search(text.encode("utf-8", "surrogatepass")) is not None
    try:
        safe = backtracking_problem(parse_pattern(pattern, lookaround=True)) is None
        fallback = re.compile(pattern)
    except (RegexSyntaxError, re.error):
        safe = False
    if not safe:
        raise PatternUnsupported(pattern)
    return lambda text: fallback.search(text) is not None


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


def is_regex(value: object) -> bool:
    """``format: regex``: a string RE2 compiles (non-strings pass, as JSON Schema says)."""
    return not isinstance(value, str) or re2_error(value) is None
