"""Indicator year sets and the indicator_source member: parsing, checks, expansion."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from miniapps.core.definitions.loading import load_definition, validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.indicators.source import (
    IndicatorSource,
    count_issues,
    expand_definition,
    row_schema,
    specs_for,
)
from miniapps.core.indicators.year_sets import financial_year, financial_year_months, parse_year_set
from miniapps.core.records.schema_issues import validate_record_data

from tests.conftest import IIF_DIR


def year_file(name: str = "2025-26.json") -> dict[str, Any]:
    return json.loads((IIF_DIR / "data" / name).read_text())


def problems(raw: Any) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        parse_year_set(raw, "2025-26.json")
    assert all(line.startswith("2025-26.json:") for line in caught.value.lines())
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_bundled_year_sets_parse_and_tag_what_is_unverified() -> None:
    verified = parse_year_set(year_file())
    assert verified.year == "2025/26" and verified.codes == ["CAN-04", "HI-03"]
    assert sum(spec.max_points for spec in verified.specs) == 58  # domain.md: 58 points in all
    can04 = verified.spec("CAN-04")
    assert can04 is not None
    assert (can04.lower_threshold, can04.upper_threshold, can04.max_points) == (
        Decimal("0.65"),
        Decimal("0.8"),
        Decimal(22),
    )
    assert verified.is_illustrative()  # £ per point for 2025/26 is unverified
    assert verified.unverified_by_code["HI-03"]  # HI-03's thresholds are placeholders
    demo = parse_year_set(year_file("2026-27.json"))
    assert demo.illustrative and "AMR-02" in demo.codes
    assert {s.direction for s in demo.specs} == {"higher", "lower"}
    assert "HI-03" in demo.accumulating and "CAN-04" not in demo.accumulating


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (
            lambda r: r["indicators"][0].update(lower_threshold=0.9),
            "/indicators/0/upper_threshold",
            "greater than lower",
        ),
        (
            lambda r: r["indicators"][0].update(max_points=0),
            "/indicators/0/max_points",
            "greater than 0",
        ),
        (
            lambda r: r["indicators"][0].update(adjustment="weighted"),
            "/indicators/0/adjustment",
            "one of",
        ),
        (lambda r: r.update(year="2025/27"), "/year", "financial year"),
        (lambda r: r.update(year="2025-26"), "/year", "such as 2025/26"),
        (lambda r: r["indicators"][1].update(code="CAN-04"), "/indicators/1/code", "already used"),
        (lambda r: r["indicators"][0].pop("title"), "/indicators/0/title", "required"),
        (lambda r: r.update(unverified=["nonsense"]), "/unverified/0", "not a member"),
        (
            lambda r: r.pop("national_average_pcn_list_size"),
            "/national_average_pcn_list_size",
            "adjusted for list size",
        ),
        (
            lambda r: r["indicators"][1].pop("national_prevalence"),
            "/indicators/1/national_prevalence",
            "required",
        ),
        (lambda r: r.update(indicators=[]), "/indicators", "empty"),
    ],
)
def test_bad_year_sets_are_refused_with_pointers(change: Any, pointer: str, words: str) -> None:
    raw = year_file()
    change(raw)
    found = problems(raw)
    assert pointer in found, found
    assert words in found[pointer]


def test_lower_is_better_needs_lt_above_ut() -> None:
    raw = year_file("2026-27.json")
    amr = next(i for i in raw["indicators"] if i["code"] == "AMR-02")
    amr["upper_threshold"] = 0.12
    at = f"/indicators/{raw['indicators'].index(amr)}/upper_threshold"
    assert "less than lower" in problems(raw)[at]


def test_a_year_set_must_be_an_object() -> None:
    assert problems([1, 2]) == {"": "must be a JSON object"}


@pytest.mark.parametrize(
    ("period", "year"),
    [
        ("2025-04", "2025/26"),
        ("2026-03", "2025/26"),
        ("2026-04", "2026/27"),
        ("1999-12", "1999/00"),
    ],
)
def test_financial_year(period: str, year: str) -> None:
    assert financial_year(period) == year
    assert period in financial_year_months(year)


def test_financial_year_refuses_other_periods() -> None:
    with pytest.raises(ValueError):
        financial_year("2025-Q1")


def iif() -> AppDefinition:
    return load_definition(IIF_DIR)


def test_expansion_lists_exactly_the_years_indicators() -> None:
    definition = iif()
    expanded = AppDefinition(expand_definition(definition.raw, parse_year_set(year_file())))
    keyed = expanded.schema["properties"]["indicators"]
    assert list(keyed["properties"]) == ["CAN-04", "HI-03"]
    assert keyed["properties"]["CAN-04"]["title"].startswith("CAN-04: Lower GI")
    pointers = {f.pointer for f in expanded.fields}
    assert {"/indicators/CAN-04/numerator", "/indicators/HI-03/plan/owner"} <= pointers
    good = {"list_size": 9000, "indicators": {"CAN-04": {"numerator": 3, "denominator": 4}}}
    assert validate_record_data(expanded.schema, good) == []
    unknown = {"list_size": 9000, "indicators": {"ACC-08": {"numerator": 3, "denominator": 4}}}
    issues = validate_record_data(expanded.schema, unknown)
    assert [i.pointer for i in issues] == ["/indicators/ACC-08"]
    assert "ACC-08" not in json.dumps(definition.schema)  # the stored definition is untouched


def test_specs_are_bound_to_the_record_fields() -> None:
    definition = iif()
    source = IndicatorSource.of(definition)
    assert source is not None
    specs = specs_for(source, parse_year_set(year_file()), row_schema(definition.raw, source))
    first = specs[0]
    assert (first.numerator, first.denominator, first.exclusions, first.list_size) == (
        "/indicators/CAN-04/numerator",
        "/indicators/CAN-04/denominator",
        "/indicators/CAN-04/exclusions",
        "/list_size",
    )


def test_a_numerator_above_its_denominator_is_an_issue() -> None:
    data = {"list_size": 10, "indicators": {"CAN-04": {"numerator": 5, "denominator": 4}}}
    [issue] = count_issues(iif(), data)
    assert issue.pointer == "/indicators/CAN-04/numerator"
    assert "cannot be more than the denominator" in issue.message
    assert count_issues(iif(), {"indicators": {"CAN-04": {"numerator": 4, "denominator": 4}}}) == []


def with_source(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(iif().raw)
    raw["indicator_source"].update(changes)
    return raw


@pytest.mark.parametrize(
    ("raw", "pointer", "words"),
    [
        (with_source(field="/nothing"), "/indicator_source/field", "no field"),
        (with_source(field="/notes"), "/indicator_source/field", "no field"),
        (with_source(list_size="/notes"), "/indicator_source/list_size", "no number field"),
        (with_source(numerator="patients"), "/indicator_source/numerator", "'patients'"),
    ],
)
def test_bad_indicator_source_is_refused(raw: dict[str, Any], pointer: str, words: str) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    found = {i.pointer: i.message for i in caught.value.issues}
    assert pointer in found and words in found[pointer], found


def test_indicators_and_indicator_source_together_are_refused() -> None:
    raw = copy.deepcopy(iif().raw)
    raw["indicators"] = [
        {
            "code": "X",
            "title": "X",
            "numerator": "/list_size",
            "denominator": "/list_size",
            "lower_threshold": 0.1,
            "upper_threshold": 0.2,
            "direction": "higher",
            "max_points": 1,
        }
    ]
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    assert "/indicator_source" in {i.pointer for i in caught.value.issues}
