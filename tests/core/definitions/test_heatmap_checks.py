"""A ``heatmap`` widget's axes and bands, and any widget's ``states``, are refused at their
pointers when they do not make sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

AT = "/dashboard/widgets/0"
RISKS: dict[str, Any] = {
    "id": "risks",
    "title": "Risks",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
            "impact": {"type": "integer", "minimum": 1, "maximum": 5},
            "score": {"type": "number", "minimum": 1, "maximum": 25},
            "open_ended": {"type": "integer", "minimum": 1},
            "wide": {"type": "integer", "minimum": 1, "maximum": 20},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"level": {"type": "integer", "minimum": 1, "maximum": 5}},
                },
            },
        },
    },
}


def with_widget(**widget: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RISKS)
    raw["dashboard"] = {"widgets": [{"id": "w", "title": "W", **widget}]}
    return raw


def problems(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_a_heatmap_of_two_bounded_integer_fields_is_valid() -> None:
    bands = [{"max": 4, "label": "Low", "colour": "green"}, {"max": 25, "label": "High"}]
    raw = with_widget(type="heatmap", x="/likelihood", y="/impact", bands=bands)
    raw["dashboard"]["widgets"][0]["states"] = ["submitted", "approved"]
    definition = validate_definition(raw)
    assert definition.dashboard["widgets"][0]["type"] == "heatmap"


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ("/nope", "there is no field at /nope"),
        ("/score", "a heatmap axis is an integer field with one value per record: /score is not"),
        (
            "/items/-/level",
            "a heatmap axis is an integer field with one value per record: /items/-/level is not",
        ),
        (
            "/open_ended",
            '/open_ended needs a whole "minimum" and "maximum" (1 and 5): they are the rows or '
            "columns of the heatmap",
        ),
        ("/wide", "a heatmap axis has 1 to 10 values: /wide has 20"),
    ],
)
def test_each_axis_is_a_small_integer_range(axis: str, message: str) -> None:
    assert problems(with_widget(type="heatmap", x=axis, y="/impact")) == {f"{AT}/x": message}


def test_bands_go_up_and_reach_the_highest_score() -> None:
    bands = [{"max": 6, "label": "A"}, {"max": 6, "label": "B"}, {"max": 20, "label": "C"}]
    found = problems(with_widget(type="heatmap", x="/likelihood", y="/impact", bands=bands))
    assert found == {
        f"{AT}/bands/1/max": "bands go up: this one must end above the band before it (6)",
        f"{AT}/bands/2/max": "the highest score is 25: the last band must reach it",
    }


def test_heatmap_members_belong_to_heatmaps() -> None:
    raw = with_widget(type="metric", x="/likelihood", bands=[{"max": 3, "label": "Low"}])
    assert problems(raw) == {
        f"{AT}/x": "is used only by heatmap widgets",
        f"{AT}/bands": "is used only by heatmap widgets",
    }


def test_the_meta_schema_needs_both_axes() -> None:
    found = problems(with_widget(type="heatmap", x="/likelihood"))
    assert list(found) == [f"{AT}/y"]  # a missing member is reported at its own pointer


def test_states_are_workflow_states_other_than_the_draft() -> None:
    found = problems(with_widget(type="metric", states=["submitted", "draft", "gone"]))
    assert found == {
        f"{AT}/states/1": "records in 'draft' are drafts, which dashboards never count",
        f"{AT}/states/2": (
            "there is no workflow state 'gone' (states: draft, submitted, approved)"
        ),
    }
