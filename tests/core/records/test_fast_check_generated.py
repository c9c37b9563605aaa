"""The jsonschema-rs fast check never accepts what the Python validator refuses: over every
bundled app's schema (valid records, each field given wrong values, generated data) and
over generated schemas with generated data (hypothesis)."""

from __future__ import annotations

import copy
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miniapps.core.bounded_cache import seal
from miniapps.core.definitions.loading import bundle_files, load_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.pointers import pointer_parts
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.fast_check import fast_validator, surely_valid
from miniapps.core.records.format_limits import SPEC_FORMATS
from miniapps.core.records.record_validator import record_validator
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.demo.values import Sampler, sample_record

REPO = Path(__file__).resolve().parents[3]
DEFINITION_FILES = [
    file
    for app_json in sorted([*REPO.glob("apps/*/app.json"), *REPO.glob("docs/examples/*/app.json")])
    for file in bundle_files(app_json.parent)
]
DEFINITIONS = {str(p.relative_to(REPO)): load_definition(p) for p in DEFINITION_FILES}

WRONG: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    0.3,
    10**20,
    2**64 + 1,
    "",
    "x",
    "a" * 3000,
    "https://example.com/" + "a" * 2100,
    "2025-02-30",
    "31/03/2025",
    "2025-03-31T25:00",
    "name@",
    "\u00a0",
    "\u0661\u0662",
    [],
    ["x", "x"],
    [1, 1.0],
    {},
    {"x": 1},
]

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | SAFE_TEXT
    | st.sampled_from([*WRONG[9:18], "2025-03-31", "14:30:00Z", "a@b.co", "P1D", "::1"])
    | st.sampled_from(["\r", "\u2028", "a\n", "\ufeff", "é", "\u017f", "\u212a", "\u0661"])
)
KEYS = st.sampled_from(["a", "b", "c", "ab", "x", "é"])
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def assert_never_more_lenient(schema: dict[str, Any], data: Any) -> None:
    if surely_valid(schema, data):
        assert list(record_validator(schema).iter_errors(data)) == [], (schema, data)


def valid_record(definition: AppDefinition) -> dict[str, Any]:
    """A valid record; for a periodic app (whose indicators are its period's), the
    sampler's first draft, which misses them."""
    data = sample_record(definition, random.Random(7), date(2025, 6, 15))
    if data is None and definition.is_periodic:
        return dict(
            Sampler(definition.schema, random.Random(7), date(2025, 6, 15), set()).value(
                definition.schema, ""
            )
        )
    assert data is not None
    return data


def with_value(data: dict[str, Any], pointer: str, value: Any) -> dict[str, Any] | None:
    """A copy of ``data`` with ``value`` at ``pointer`` (the first item for ``-``)."""
    out = copy.deepcopy(data)
    node: Any = out
    *parents, last = [0 if part == "-" else part for part in pointer_parts(pointer)]
    for part in parents:
        if isinstance(node, list) and isinstance(part, int) and node:
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str):
            node = node.setdefault(part, {})
        else:
            return None
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
        return out
    return None


@pytest.mark.parametrize("name", DEFINITIONS)
def test_a_bundled_apps_valid_records_are_decided_fast(name: str) -> None:
    definition = DEFINITIONS[name]
    assert fast_validator(definition.schema) is not None
    data = valid_record(definition)
    if definition.is_periodic:
        data["indicators"] = {"any": {"numerator": 3, "denominator": 4}}  # none in the base
    assert surely_valid(definition.schema, data)
    assert validate_record_data(definition.schema, data) == []


@pytest.mark.parametrize("name", DEFINITIONS)
def test_a_bundled_apps_wrong_values_are_never_accepted_fast(name: str) -> None:
    definition = DEFINITIONS[name]
    valid = valid_record(definition)
    refused = 0
    for field in definition.fields:
        for value in WRONG:
            data = with_value(valid, field.pointer, value)
            if data is not None:
                assert_never_more_lenient(definition.schema, data)
                refused += not surely_valid(definition.schema, data)
        without = copy.deepcopy(valid)
        without.pop(field.key, None)
        assert_never_more_lenient(definition.schema, without)
    assert_never_more_lenient(definition.schema, {**valid, "not_a_field": 1})
    assert refused > len(definition.fields)


@pytest.mark.parametrize("name", DEFINITIONS)
def test_check_record_gives_the_python_verdict_on_a_stored_version(name: str) -> None:
    definition = DEFINITIONS[name]
    rules = SchemaRules(copy.deepcopy(definition.schema), copy.deepcopy(definition.ui))
    seal(rules.schema, rules.ui)  # cached by identity, as a stored version's schema is
    now = datetime(2025, 6, 15, 12, tzinfo=UTC)
    valid = valid_record(definition)
    if not definition.is_periodic:
        assert check_record(rules, valid, submit=True, now=now).issues == ()
    for field in definition.fields[:10]:
        data = with_value(valid, field.pointer, "a" * 3000)
        if data is not None:  # the Python validator's issues on what would be stored are there
            checked = check_record(rules, data, submit=True, now=now)
            python = validate_record_data(rules.schema, checked.data)
            assert {i.pointer for i in python} <= {i.pointer for i in checked.issues}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(DEFINITIONS)), changes=st.dictionaries(st.text(), JSON))
def test_generated_data_for_bundled_apps(name: str, changes: dict[str, Any]) -> None:
    definition = DEFINITIONS[name]
    keys = [f.key for f in definition.fields if f.parent == ""]
    renamed = {keys[hash(k) % len(keys)] if keys and k else k: v for k, v in changes.items()}
    assert_never_more_lenient(definition.schema, {**valid_record(definition), **renamed})


DIALECT = "https://json-schema.org/draft/2020-12/schema"
PATTERNS = ["^a", r"\d", "^[a-z]+$", "é", r"\w+", r"^\s*$", "^.$", "^$", "^[^x]*$", r"\bé", r"^\S"]
LEAF = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "object"])}),
    st.builds(lambda n: {"minimum": n}, st.integers(-3, 3) | st.floats(-3, 3)),
    st.builds(lambda n: {"exclusiveMaximum": n}, st.integers(-3, 3)),
    st.builds(lambda n: {"multipleOf": n}, st.sampled_from([0.1, 0.5, 2, 3, 0.01, 1e-8])),
    st.builds(lambda n: {"maxLength": n}, st.integers(0, 5)),
    st.builds(lambda n: {"minLength": n}, st.integers(0, 3)),
    st.builds(lambda p: {"pattern": p}, st.sampled_from(PATTERNS)),
    st.builds(lambda f: {"format": f}, st.sampled_from(SPEC_FORMATS)),
    st.builds(lambda v: {"enum": v}, st.lists(JSON_SCALARS, min_size=1, max_size=3)),
    st.builds(lambda v: {"const": v}, JSON_SCALARS),
    st.builds(lambda u: {"uniqueItems": u}, st.booleans()),
    st.builds(lambda r: {"required": r}, st.lists(KEYS, max_size=2, unique=True)),
    st.builds(lambda n: {"maxProperties": n}, st.integers(0, 3)),
    st.just({"unevaluatedProperties": False}),
    st.just({"unevaluatedItems": False}),
    st.booleans(),
)


def _compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    many = st.lists(inner, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda p: {"properties": p}, st.dictionaries(KEYS, inner, max_size=3)),
        st.builds(lambda p: {"patternProperties": {"^a": p}}, inner),
        st.builds(lambda s: {"additionalProperties": s}, inner),
        st.builds(lambda s: {"unevaluatedProperties": s}, inner),
        st.builds(lambda s: {"items": s}, inner),
        st.builds(lambda s: {"prefixItems": s}, many),
        st.builds(lambda s: {"contains": s}, inner),
        st.builds(lambda s: {"propertyNames": s}, inner),
        st.builds(lambda s: {"not": s}, inner),
        st.builds(lambda k, s: {k: s}, st.sampled_from(["allOf", "anyOf", "oneOf"]), many),
        st.builds(lambda i, t, e: {"if": i, "then": t, "else": e}, inner, inner, inner),
        st.builds(lambda s: {"dependentSchemas": {"a": s}}, inner),
        st.builds(lambda s: {"$defs": {"d": s}, "$ref": "#/$defs/d"}, inner),
        st.builds(lambda s: {"$schema": DIALECT, "allOf": [s]}, inner),
        st.builds(
            lambda a, b: {**a, **b} if isinstance(a, dict) and isinstance(b, dict) else b,
            inner,
            LEAF,
        ),
    )


SCHEMAS = st.recursive(LEAF, _compound, max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, data=JSON)
def test_generated_schemas_and_data(schema: Any, data: Any) -> None:
    if isinstance(schema, bool):
        schema = {"allOf": [schema]}
    assert_never_more_lenient(schema, data)
