"""Format checks as the specification says, bounded, and lengths checked before formats.

Every ``format`` a record schema may use (:data:`SPEC_FORMATS`, the formats JSON Schema
2020-12 defines) is checked by jsonschema-rs's own check for that format (one cached
``Draft202012Validator({"format": name}, validate_formats=True)`` each): it agrees with
every ``optional/format`` test of the official JSON Schema Test Suite, and runs in time
proportional to the answer. ``regex`` is the exception: an answer must be a pattern the
platform can run (:func:`miniapps.core.records.patterns.is_regex`).

The same functions (:data:`FORMAT_CHECKS`) serve the Python validator (through
:data:`FORMAT_CHECKER`) and the jsonschema-rs fast check
(:mod:`miniapps.core.records.fast_check`), so the two agree on formats by construction.

No format check sees a string longer than :data:`FORMAT_MAX_CHARS` (2,048 characters,
longer than any real address, date or identifier): such an answer fails at once with
"... must be 2048 characters or fewer" (code ``maxLength``). A string longer than its
own schema's ``maxLength`` is not format-checked at all; ``maxLength`` reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from miniapps.core.records.patterns import is_regex

FORMAT_MAX_CHARS = 2048

# The formats of JSON Schema 2020-12 (publishing refuses any other: KNOWN_FORMATS).
SPEC_FORMATS = (
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
)

FormatCheck = Callable[[object], bool]


def _specification_check(name: str) -> FormatCheck:
    if name == "regex":
        return is_regex
    only_format = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
    check: FormatCheck = only_format.is_valid  # non-strings pass, as JSON Schema says
    return check


def _bounded(check: FormatCheck) -> FormatCheck:
    def bounded(value: object) -> bool:
        if isinstance(value, str) and len(value) > FORMAT_MAX_CHARS:
            return False
        return check(value)

    return bounded


# Each format's one check, bounded: used by both validators.
FORMAT_CHECKS: dict[str, FormatCheck] = {
    name: _bounded(_specification_check(name)) for name in SPEC_FORMATS
}


def bounded_format_checker(leave_out: Collection[str] = ()) -> FormatChecker:
    """A format checker for jsonschema with :data:`FORMAT_CHECKS` (but ``leave_out``) and
    nothing else."""
    checker = FormatChecker(formats=())
    for name, check in FORMAT_CHECKS.items():
        if name not in leave_out:
            checker.checks(name)(check)
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
