"""A jsonschema-rs check in front of the Python record validator, for valid data.

Most data is valid, and proving it costs about a hundredth in jsonschema-rs (Rust) of
what it costs in :data:`~miniapps.core.records.record_validator.RecordValidator`. So
:func:`surely_valid` asks a jsonschema-rs validator of the same schema first; only when
it does not say "valid" does the Python validator run, and its issues (pointers,
messages) are what callers see, exactly as without the fast check.

The fast check must never accept what the Python validator refuses. So the Rust
validator is built to mean the same thing:

* formats: the very functions the Python validator uses
  (:data:`~miniapps.core.records.format_limits.FORMAT_CHECKS`, bounds included); a
  format those do not know makes the schema ineligible (the Python validator ignores it
  but still bounds the length);
* ``multipleOf``: jsonschema's own keyword function (its float arithmetic refuses some
  values jsonschema-rs's accepts, such as 0.3 for 0.1);
* patterns: jsonschema-rs's linear-time engine (``RegexOptions``), given each pattern as
  :mod:`miniapps.core.records.patterns` gives it to that engine (written out so that it
  keeps the browser's meaning, :func:`~miniapps.core.records.patterns.rs_pattern`); a
  pattern that needs a backtracking engine (lookaround, backreferences) makes the schema
  ineligible;
* no remote references (``offline``), no reference publishing refuses (a cycle, ``$id``
  or ``$dynamicRef`` inside: :mod:`miniapps.core.definitions.ref_checks`), and only
  draft 2020-12 (a ``$schema`` naming another dialect makes the schema ineligible).

An ineligible schema (or any error from jsonschema-rs) means "not sure": the Python
validator decides. ``tests/core/records/test_fast_check_suite.py`` and
``test_fast_check_generated.py`` prove the agreement over the JSON Schema Test Suite,
every bundled app and generated data.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

import jsonschema_rs
from jsonschema import Draft202012Validator

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.definitions.ref_checks import ref_issues
from miniapps.core.records.format_limits import FORMAT_CHECKS
from miniapps.core.records.patterns import rs_pattern
from miniapps.core.schema_walk import DRAFT_2020_12, KNOWN, map_schemas

_STOCK_MULTIPLE_OF = Draft202012Validator.VALIDATORS["multipleOf"]
_TYPES = Draft202012Validator({})  # only its type checks are used, by multipleOf


class PythonMultipleOf:
    """``multipleOf`` for jsonschema-rs, answered by jsonschema's own function."""

    def __init__(self, parent: dict[str, Any], divisor: Any, schema_path: list[str]) -> None:
        self.parent = parent
        self.divisor = divisor

    def validate(self, instance: Any) -> None:
        if next(_STOCK_MULTIPLE_OF(_TYPES, self.divisor, instance, self.parent), None):
            raise ValueError(f"{instance!r} is not a multiple of {self.divisor!r}")


class NotEligible(ValueError):
    """A schema the fast check cannot answer for exactly as the Python validator."""


def _rust(pattern: Any) -> Any:
    if not isinstance(pattern, str):
        return pattern  # not a pattern: jsonschema-rs refuses the schema
    rust = rs_pattern(pattern)
    if rust is None:
        raise NotEligible(f"pattern {pattern!r} needs a backtracking engine")
    return rust


def _mentions_patterns(node: Any) -> bool:
    if isinstance(node, dict):
        return (
            "pattern" in node
            or "patternProperties" in node
            or any(_mentions_patterns(v) for v in node.values())
        )
    return isinstance(node, list) and any(_mentions_patterns(v) for v in node)


def _rust_patterns(node: dict[str, Any]) -> dict[str, Any]:
    dialect = node.get("$schema")
    if dialect is not None and dialect not in DRAFT_2020_12:
        raise NotEligible(f"$schema {dialect!r}")
    for key, value in node.items():
        if key not in KNOWN and key != "pattern" and _mentions_patterns(value):
            raise NotEligible(f"patterns under {key!r}")  # a $ref could make them a schema's
    if "pattern" in node:
        node["pattern"] = _rust(node["pattern"])
    if isinstance(node.get("patternProperties"), dict):
        rewritten = {_rust(p): s for p, s in node["patternProperties"].items()}
        if len(rewritten) < len(node["patternProperties"]):  # e.g. "a" and "\\x61"
            raise NotEligible("two patternProperties run as one pattern")
        node["patternProperties"] = rewritten
    return node


def for_rust(schema: Any) -> Any:
    """``schema`` with every pattern written as :mod:`~miniapps.core.records.patterns`
    runs it in jsonschema-rs (:func:`~miniapps.core.records.patterns.rs_pattern`).

    Raises :class:`NotEligible` for a pattern only a backtracking engine runs, a
    ``$schema`` of another dialect, or patterns inside keywords this does not know (a
    ``$ref`` could make them a schema's)."""
    return map_schemas(schema, _rust_patterns)


def _refuse_what_publish_refuses(schema: Any) -> None:
    """References publishing refuses (a cycle that never reaches the data, ``$id`` or
    ``$dynamicRef`` inside, a target that is not there): the Python validator recurses
    until the stack runs out or cannot follow them, and jsonschema-rs may still answer."""
    if ref_issues(schema):
        raise NotEligible("references publishing refuses")


def rust_validator(schema: Any) -> jsonschema_rs.Validator:
    """A jsonschema-rs validator meaning what the Python record validator means.

    Raises :class:`NotEligible` (or jsonschema-rs's own error) when there is none."""
    _refuse_what_publish_refuses(schema)
    validator: jsonschema_rs.Validator = jsonschema_rs.Draft202012Validator(
        for_rust(schema),
        formats=FORMAT_CHECKS,
        validate_formats=True,
        ignore_unknown_formats=False,
        pattern_options=jsonschema_rs.RegexOptions(),
        keywords={"multipleOf": PythonMultipleOf},
        offline=True,
    )
    return validator


# A schema's fast validator, or False when it is not eligible.
Fast = jsonschema_rs.Validator | Literal[False]

# Fast validators of sealed schemas (stored versions), by identity.
_BY_IDENTITY: SealedCache[Fast] = SealedCache(256)


def fast_validator(schema: dict[str, Any]) -> jsonschema_rs.Validator | None:
    """The cached :func:`rust_validator` of ``schema`` (by identity for a stored
    version's schema, else by content), or None when it is not eligible."""
    found = _BY_IDENTITY.get((schema,))
    if found is None:
        found = _BY_IDENTITY.put((schema,), _cached(json.dumps(schema)))
    return found if found is not False else None


@lru_cache(maxsize=256)
def _cached(schema_json: str) -> Fast:
    try:
        return rust_validator(json.loads(schema_json))
    except Exception:  # not eligible, or jsonschema-rs refuses it: never fast
        return False


def surely_valid(schema: dict[str, Any], data: Any) -> bool:
    """True when ``data`` is valid against ``schema`` (the Python validator would find no
    error); False means "not sure": run the Python validator."""
    validator = fast_validator(schema)
    if validator is None:
        return False
    try:
        return validator.is_valid(data)
    except Exception:  # data jsonschema-rs cannot read: let Python decide
        return False
