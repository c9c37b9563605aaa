"""The JSON Schema validator for record data: draft 2020-12 with bounded costs.

:data:`RecordValidator` is ``Draft202012Validator`` with its regular-expression keywords
(``pattern``, ``patternProperties``, and the pattern matching inside
``additionalProperties`` and ``unevaluatedProperties``) run by
:mod:`miniapps.core.records.patterns`, and ``format`` checked as the specification says,
only after the length and within a bound (:mod:`miniapps.core.records.format_limits`).
Errors have the same keywords, paths and shapes as the stock validator's, so
:mod:`miniapps.core.records.schema_issues` words them the same way. Data that is valid
mostly never gets here: :mod:`miniapps.core.records.fast_check` proves it first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from attrs import fields
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.records.evaluated_keys import Validator, evaluated_keys, pattern_covered
from miniapps.core.records.false_schemas import keep_false_schema_places
from miniapps.core.records.format_limits import FORMAT_CHECKER, format_after_length
from miniapps.core.records.patterns import PatternUnsupported, pattern_search

Keyword = Iterator[ValidationError]


def _pattern(validator: Validator, pattern: Any, instance: Any, schema: Any) -> Keyword:
    if not isinstance(instance, str):
        return
    try:
        found = pattern_search(pattern, instance)
    except PatternUnsupported:
        found = False  # a pattern that might hang is never run: the answer cannot pass
    if not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Validator, patterns: Any, instance: Any, schema: Any) -> Keyword:
    if not isinstance(instance, dict):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if pattern_covered({"patternProperties": {pattern: None}}, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Validator, extra: Any, instance: Any, schema: Any) -> Keyword:
    if not isinstance(instance, dict):
        return
    declared = schema.get("properties") or {}
    extras = [k for k in instance if k not in declared and not pattern_covered(schema, k)]
    if isinstance(extra, dict):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif extra is False and extras:
        names = ", ".join(repr(k) for k in sorted(extras))
        if "patternProperties" in schema:
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            verb = "does" if len(extras) == 1 else "do"
            yield ValidationError(f"{names} {verb} not match any of the regexes: {patterns}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


def _unevaluated_properties(
    validator: Validator, extra: Any, instance: Any, schema: Any
) -> Keyword:
    if not isinstance(instance, dict):
        return
    seen = evaluated_keys(validator, instance, schema)
    refused = [
        k
        for k in instance
        if k not in seen and next(validator.descend(instance[k], extra, path=k), None)
    ]
    if refused:
        names = ", ".join(repr(k) for k in sorted(refused))
        if extra is False:
            yield ValidationError(f"Unevaluated properties are not allowed ({names} unexpected)")
        else:
            yield ValidationError(f"Unevaluated properties are not valid ({names} invalid)")


RecordValidator = extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "unevaluatedProperties": _unevaluated_properties,
        "format": format_after_length,
    },
)
keep_false_schema_places(RecordValidator)  # a `false` subschema's error keeps its path


def _evolve(self: Validator, **changes: Any) -> Validator:
    """jsonschema's ``evolve`` (behind every ``descend``), but always this class: the stock
    one picks the class by a subschema's ``$schema``, so a subschema naming its dialect
    would be checked by the stock validator (Python ``re``, unbounded formats)."""
    cls = type(self)
    changes.setdefault("schema", self.schema)
    for field in fields(cls):
        if field.init and field.alias not in changes:
            changes[field.alias] = getattr(self, field.name)
    evolved: Validator = cls(**changes)
    return evolved


RecordValidator.evolve = _evolve


# Validators of sealed schemas (stored versions, see services/definitions.py), by identity.
_BY_IDENTITY: SealedCache[Validator] = SealedCache(256)


def record_validator(schema: dict[str, Any]) -> Validator:
    """A :data:`RecordValidator` for ``schema`` with the bounded format checker (cached:
    by identity for a stored version's schema, else by content)."""
    found = _BY_IDENTITY.get((schema,))
    if found is not None:
        return found
    return _BY_IDENTITY.put((schema,), _cached(json.dumps(schema)))


@lru_cache(maxsize=256)
def _cached(schema_json: str) -> Validator:
    validator: Validator = RecordValidator(json.loads(schema_json), format_checker=FORMAT_CHECKER)
    return validator
