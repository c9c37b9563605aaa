"""The one check that decides whether record data may be stored.

Every way data comes in (the form, the API, both importers, dry run and confirmed
alike, workflow transitions, the demo loader) calls :func:`check_record` and nothing
else, so they all give the same verdict with the same pointers. The verdict does not
depend on where the data came from; callers only translate pointers for their users
(a form field, a spreadsheet cell).

What is checked (see ``docs/app-definitions.md``, "Drafts and submission"):

* **submitted** (any state after draft): values hidden by a condition are dropped,
  then the data is validated against the schema with format checking (every
  keyword; jsonschema-rs first, and the Python validator only when that does not say
  valid, :mod:`miniapps.core.records.fast_check`), then the app-level checks run (a
  numerator above its denominator);
* **always**: text that cannot be stored or served (NUL and other control characters, a
  lone surrogate) and numbers that are not finite are refused first, at their pointers
  (:mod:`miniapps.core.records.value_safety`);
* **draft**: hidden values are kept and nothing is required yet, but a value that is
  wrong whatever else is entered is refused: the wrong type, a bad format, an answer
  not among the choices, out of range, too long, not a multiple, a pattern not
  matched, an unknown member, a date marked ``x-not-future`` that is after now (or
  ``x-not-past`` that is before today, when new or changed), the app-level checks on
  the values present.

``now`` (default: the current time) decides what "in the future" means; tests pass it.
``stored`` is the record's data as stored (None for a new record): an ``x-not-past``
date it already holds is not refused because the calendar has passed it since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.forms.conditions import compile_rules, drop_hidden, evaluate
from miniapps.core.indicators.source import count_issues
from miniapps.core.records.date_bounds import NOT_FUTURE, NOT_PAST, bound_issues
from miniapps.core.records.fast_check import surely_valid
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.core.records.value_safety import VALUE_CODES, scrub_value, value_issues

# Keywords whose failure makes a value wrong in itself, whatever else is answered.
DRAFT_REFUSES = frozenset(
    {
        "type",
        "format",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "maxLength",
        "pattern",
        "maxItems",
        "uniqueItems",
        "additionalProperties",
        "unevaluatedProperties",
        "numerator_above_denominator",
        NOT_FUTURE,
        NOT_PAST,
        *VALUE_CODES,  # text or a number that cannot be stored or served
    }
)


class RecordRules(Protocol):
    """What the check needs of a definition (an ``AppDefinition`` is one)."""

    @property
    def schema(self) -> dict[str, Any]: ...

    @property
    def ui(self) -> dict[str, Any]: ...

    @property
    def indicators(self) -> list[dict[str, Any]]: ...

    @property
    def indicator_source(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class SchemaRules:
    """The rules of a bare record schema (+ ``ui``): no app-level checks."""

    schema: dict[str, Any]
    ui: dict[str, Any] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    indicator_source: dict[str, Any] | None = None


@dataclass(frozen=True)
class RecordCheck:
    """The verdict: ``data`` as it would be stored, and every problem with its pointer.
    ``data`` is the data checked itself unless hidden values were dropped (a copy then):
    the check never changes what it is given, and callers must not change it either."""

    data: dict[str, Any]
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    def data_or_raise(self) -> dict[str, Any]:
        """The data to store, or :class:`DataInvalid` carrying every issue."""
        if self.issues:
            raise DataInvalid(self.issues)
        return self.data


def check_record(
    rules: RecordRules,
    data: Any,
    *,
    submit: bool,
    now: datetime | None = None,
    stored: dict[str, Any] | None = None,
) -> RecordCheck:
    """Whether ``data`` may be stored as a draft (``submit=False``) or submitted, as a new
    record or over ``stored`` (the record's data as stored).

    One issue at most per pointer: values that cannot be stored or served first, then
    schema problems (in schema order), then dates
    out of bounds (``x-not-future``, ``x-not-past``), then the app-level checks, each for
    pointers not already reported."""
    if not isinstance(data, dict):
        return RecordCheck({}, (Issue("", "data must be a JSON object", "type"),))
    if submit:
        state = evaluate(_condition_rules(rules), data)
        data = drop_hidden(data, state)  # a copy only when a hidden field has a value
    issues = value_issues(rules.schema, data)  # NUL, lone surrogates, 1e400: never stored
    sound = scrub_value(data) if issues else data  # what the checks below can safely read
    reported = {issue.pointer for issue in issues}
    if not surely_valid(rules.schema, sound):  # jsonschema-rs first: most data is valid
        found = validate_record_data(rules.schema, sound)
        issues += [i for i in found if i.pointer not in reported]
    reported = {issue.pointer for issue in issues}
    for issue in bound_issues(rules.schema, sound, now or datetime.now(UTC), stored):
        if issue.pointer not in reported:
            reported.add(issue.pointer)
            issues.append(issue)
    issues += [i for i in count_issues(rules, sound) if i.pointer not in reported]
    if not submit:
        issues = [i for i in issues if i.code in DRAFT_REFUSES]
    return RecordCheck(data, tuple(issues))


# Condition rules of sealed schemas and ui (stored versions), by identity.
_RULES: SealedCache[list[dict[str, Any]]] = SealedCache(256)


def _condition_rules(rules: RecordRules) -> list[dict[str, Any]]:
    schema, ui = rules.schema, rules.ui
    sealed = (schema, ui) if ui else (schema,)  # an absent ui is a new {} every time
    found = _RULES.get(sealed)
    if found is not None:
        return found
    return _RULES.put(sealed, compile_rules(schema, ui))
