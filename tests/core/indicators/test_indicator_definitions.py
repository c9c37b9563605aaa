"""Indicators in app definitions: ``list_size``, ``national_prevalence`` and the top-level
``indicator_settings``, checked by the meta-schema and then semantically."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.services.indicators.results import indicator_specs

REPO = Path(__file__).resolve().parents[3]
BASE: dict[str, Any] = {
    "id": "iif_check",
    "title": "IIF check",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "num": {"type": "integer", "minimum": 0},
            "den": {"type": "integer", "minimum": 0},
            "list_size": {"type": "integer", "minimum": 1},
            "practice": {"type": "string"},
        },
    },
}


def indicator(**changes: Any) -> dict[str, Any]:
    base = {
        "code": "CAN-04",
        "title": "FIT before lower-GI referral",
        "numerator": "/num",
        "denominator": "/den",
        "lower_threshold": 0.65,
        "upper_threshold": 0.80,
        "direction": "higher",
        "max_points": 22,
    }
    return {**base, **changes}


def definition(*indicators: dict[str, Any], **members: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["indicators"] = list(indicators) or [indicator()]
    raw.update(members)
    return raw


def issues_of(raw: dict[str, Any]) -> list[Issue]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return caught.value.issues


def messages_at(raw: dict[str, Any], pointer: str) -> list[str]:
    return [issue.message for issue in issues_of(raw) if issue.pointer == pointer]


SETTINGS = {"value_per_point": 198.0, "national_average_list_size": 50000}


def test_every_new_member_validates_and_parses() -> None:
    raw = definition(
        indicator(adjustment="list_size", list_size="/list_size"),
        indicator(code="HI-03", adjustment="list_size_and_prevalence", national_prevalence=0.005),
        indicator(code="ACC-08", value_per_point=0),
        indicator_settings=SETTINGS,
    )
    valid = validate_definition(raw)
    assert valid.indicator_settings == SETTINGS
    specs = indicator_specs(valid)
    assert specs[0].list_size == "/list_size" and specs[0].adjustment == "list_size"
    assert str(specs[1].national_prevalence) == "0.005"
    assert specs[2].value_per_point == 0


def test_indicator_settings_default_to_empty() -> None:
    assert validate_definition(definition()).indicator_settings == {}
    assert validate_definition(definition(indicator_settings={})).indicator_settings == {}


def test_prevalence_adjustment_needs_no_list_size_field() -> None:
    """The list size cancels out of (L / N) * (den / L) / P, so no field is asked for."""
    raw = definition(
        indicator(adjustment="list_size_and_prevalence", national_prevalence=1),
        indicator_settings={"national_average_list_size": 1},
    )
    assert validate_definition(raw).indicators[0]["national_prevalence"] == 1


@pytest.mark.parametrize(
    ("raw", "pointer", "words"),
    [
        (definition(indicator(national_prevalence=0)), "/indicators/0/national_prevalence", "0"),
        (definition(indicator(national_prevalence=1.5)), "/indicators/0/national_prevalence", "1"),
        (
            definition(indicator(national_prevalence="2%")),
            "/indicators/0/national_prevalence",
            "must be a number",
        ),
        (definition(indicator(list_size="list_size")), "/indicators/0/list_size", "pointer"),
        (
            definition(indicator_settings={"national_average_list_size": 0}),
            "/indicator_settings/national_average_list_size",
            "1",
        ),
        (
            definition(indicator_settings={"national_average_list_size": 12345.5}),
            "/indicator_settings/national_average_list_size",
            "integer",
        ),
        (
            definition(indicator_settings={"value_per_point": -1}),
            "/indicator_settings/value_per_point",
            "0",
        ),
        (
            definition(indicator_settings={"per_point": 198}),
            "/indicator_settings/per_point",
            "not allowed",
        ),
        (definition(indicator_settings=[]), "/indicator_settings", "object"),
    ],
)
def test_meta_schema_refuses_bad_values(raw: dict[str, Any], pointer: str, words: str) -> None:
    found = messages_at(raw, pointer)
    assert found and any(words in message for message in found), (pointer, issues_of(raw))


@pytest.mark.parametrize(
    ("raw", "pointer", "words"),
    [
        (
            definition(indicator(adjustment="list_size", list_size="/practice")),
            "/indicators/0/list_size",
            "must point at a whole-number field or a number field, but /practice is a text",
        ),
        (
            definition(indicator(adjustment="list_size", list_size="/registered")),
            "/indicators/0/list_size",
            "there is no field at /registered",
        ),
        (
            definition(indicator(adjustment="list_size"), indicator_settings=SETTINGS),
            "/indicators/0/list_size",
            "is required when adjustment is list_size",
        ),
        (
            definition(indicator(adjustment="list_size", list_size="/list_size")),
            "/indicator_settings/national_average_list_size",
            "is required: the national average PCN list size, for the list-size adjustment of "
            "CAN-04 (/indicators/0)",
        ),
        (
            definition(
                indicator(adjustment="list_size_and_prevalence"), indicator_settings=SETTINGS
            ),
            "/indicators/0/national_prevalence",
            "is required when adjustment is list_size_and_prevalence",
        ),
        (
            definition(indicator(national_prevalence=0.01)),
            "/indicators/0/national_prevalence",
            "is used only with adjustment list_size_and_prevalence",
        ),
        (
            definition(
                indicator(adjustment="list_size", list_size="/list_size", national_prevalence=0.1),
                indicator_settings=SETTINGS,
            ),
            "/indicators/0/national_prevalence",
            "is used only with adjustment list_size_and_prevalence",
        ),
        (
            definition(indicator(list_size="/list_size")),
            "/indicators/0/list_size",
            "is used only with adjustment list_size or list_size_and_prevalence",
        ),
    ],
)
def test_semantic_problems_are_reported_at_their_pointer(
    raw: dict[str, Any], pointer: str, words: str
) -> None:
    found = messages_at(raw, pointer)
    assert any(words in message for message in found), (pointer, issues_of(raw))


def test_one_issue_names_every_indicator_that_needs_the_national_list_size() -> None:
    raw = definition(
        indicator(adjustment="list_size", list_size="/list_size"),
        indicator(code="ACC-08"),
        indicator(code="HI-03", adjustment="list_size_and_prevalence", national_prevalence=0.02),
        indicator_settings={"value_per_point": 198},
    )
    found = messages_at(raw, "/indicator_settings/national_average_list_size")
    assert len(found) == 1
    assert "CAN-04 (/indicators/0), HI-03 (/indicators/2)" in found[0]
    assert "ACC-08" not in found[0]


def test_problems_of_several_indicators_are_reported_together() -> None:
    raw = definition(
        indicator(adjustment="list_size"),
        indicator(code="HI-03", adjustment="list_size_and_prevalence"),
    )
    pointers = {issue.pointer for issue in issues_of(raw)}
    assert pointers == {
        "/indicators/0/list_size",
        "/indicators/1/national_prevalence",
        "/indicator_settings/national_average_list_size",
    }


def test_the_guides_indicators_example_validates() -> None:
    guide = (REPO / "docs" / "app-definitions.md").read_text(encoding="utf-8")
    section = guide.split("## `indicators`", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    members = json.loads("{" + block.group(1) + "}")
    fields = {"list_size"} | {
        pointer[1:]
        for item in members["indicators"]
        for pointer in (item["numerator"], item["denominator"], item.get("exclusions", "/x"))
    }
    raw = {
        **BASE,
        "schema": {"type": "object", "properties": {f: {"type": "integer"} for f in fields}},
        **members,
    }
    valid = validate_definition(raw)
    assert [spec.adjustment for spec in indicator_specs(valid)] == [
        "none",
        "list_size_and_prevalence",
        "list_size",
    ]
