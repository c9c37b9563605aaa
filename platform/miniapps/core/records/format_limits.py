"""Format checks whose cost is bounded, and lengths checked before formats.

Every ``format`` a record schema may use is checked by jsonschema's own checker except:

* ``iri`` and ``iri-reference``: :mod:`miniapps.core.records.iri_syntax` (linear time);
* ``regex``: RE2 must compile the answer (:func:`miniapps.core.records.patterns.is_regex`).

And no format check sees a string longer than :data:`FORMAT_MAX_CHARS` (2,048
characters, longer than any real address, date or identifier): such an answer fails at
once with "... must be 2048 characters or fewer" (code ``maxLength``). A string longer
than its own schema's ``maxLength`` is not format-checked at all; ``maxLength`` reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from miniapps.core.records.iri_syntax import is_iri, is_iri_reference
from miniapps.core.records.patterns import is_regex

FORMAT_MAX_CHARS = 2048

REPLACED: dict[str, Callable[[object], bool]] = {
    "iri": is_iri,
    "iri-reference": is_iri_reference,
    "regex": is_regex,
}


def _bounded(check: Callable[[object], Any]) -> Callable[[object], Any]:
    def bounded(value: object) -> Any:
        if isinstance(value, str) and len(value) > FORMAT_MAX_CHARS:
            return False
        return check(value)

    return bounded


def bounded_format_checker() -> FormatChecker:
    """Draft 2020-12's format checker, with every check bounded as described above."""
    base = Draft202012Validator.FORMAT_CHECKER
    checker = FormatChecker(formats=())
    for name, (check, raises) in base.checkers.items():
        replacement = REPLACED.get(name)
        checker.checks(name, () if replacement else raises)(_bounded(replacement or check))
    return checker


FORMAT_CHECKER = bounded_format_checker()

_FORMAT = Draft202012Validator.VALIDATORS["format"]


def format_after_length(
    validator: Validator, fmt: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """The ``format`` keyword, refusing over-long strings before checking their format."""
    if isinstance(instance, str):
        limit = schema.get("maxLength")
        if isinstance(limit, int) and not isinstance(limit, bool) and len(instance) > limit:
            return  # maxLength reports it; the format is not worth checking
        if len(instance) > FORMAT_MAX_CHARS:
            yield ValidationError(
                f"longer than {FORMAT_MAX_CHARS} characters, the most a {fmt!r} is checked for",
                validator="maxLength",
                validator_value=FORMAT_MAX_CHARS,
            )
            return
    yield from _FORMAT(validator, fmt, instance, schema)
