"""Which members of an object a schema evaluates, for ``unevaluatedProperties``.

jsonschema's own version matches ``patternProperties`` with Python's ``re``; this one
is the same walk (properties, additionalProperties, unevaluatedProperties,
patternProperties, dependentSchemas, allOf/anyOf/oneOf, if/then/else, ``$ref``) with
the patterns run by :mod:`miniapps.core.records.patterns` (ECMA-262, as browsers do).
"""

from __future__ import annotations

from typing import Any

from miniapps.core.records.patterns import PatternUnsupported, pattern_search

# A jsonschema validator instance: ``descend`` and ``evolve`` are not in its protocol.
Validator = Any


def _valid(validator: Validator, instance: Any, schema: Any) -> bool:
    return next(validator.descend(instance, schema), None) is None


def _matches(pattern: str, key: str) -> bool:
    try:
        return pattern_search(pattern, key)
    except PatternUnsupported:
        return False


def pattern_covered(schema: dict[str, Any], key: str) -> bool:
    """Whether one of the schema's ``patternProperties`` names ``key``."""
    return any(_matches(p, key) for p in schema.get("patternProperties") or {})


def evaluated_keys(validator: Validator, instance: dict[str, Any], schema: Any) -> set[str]:
    """The members of ``instance`` that ``schema`` (or a subschema applying to it) evaluates."""
    if not isinstance(schema, dict):
        return set()
    found: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        ref = schema.get(keyword)
        if isinstance(ref, str):
            resolved = validator._resolver.lookup(ref)
            deeper = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            found |= evaluated_keys(deeper, instance, resolved.contents)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        found |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            found |= {k for k, v in instance.items() if _valid(validator, v, subschema)}
    if "patternProperties" in schema:
        found |= {k for k in instance if pattern_covered(schema, k)}
    for name, subschema in (schema.get("dependentSchemas") or {}).items():
        if name in instance:
            found |= evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword) or []:
            if _valid(validator, instance, subschema):
                found |= evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if _valid(validator, instance, schema["if"]):
            found |= evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                found |= evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            found |= evaluated_keys(validator, instance, schema["else"])
    return found
