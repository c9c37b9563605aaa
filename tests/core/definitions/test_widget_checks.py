"""Dashboard widgets' ``where``, ``item_where``, ``"aggregate": "items"`` and ``duration``
are refused at their pointers when they do not make sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

from tests.dashboard_widgets_data import DEFINITION

AT = "/dashboard/widgets/0"


def with_widget(**widget: Any) -> dict[str, Any]:
    raw = copy.deepcopy(DEFINITION)
    raw["dashboard"] = {"widgets": [{"id": "w", "title": "W", **widget}]}
    return raw


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return [(issue.pointer, issue.message) for issue in caught.value.issues]


def test_the_sample_definition_is_valid() -> None:
    definition = validate_definition(DEFINITION)
    assert len(definition.dashboard["widgets"]) == len(DEFINITION["dashboard"]["widgets"])


@pytest.mark.parametrize(
    ("widget", "pointer", "message"),
    [
        (
            {"type": "metric", "where": {"properties": {"kinds": {"const": "x"}}}},
            f"{AT}/where/properties/kinds",
            "there is no field 'kinds'",
        ),
        (
            {"type": "chart", "chart": "bar", "where": {"required": ["actions", "nope"]}},
            f"{AT}/where/required/1",
            "there is no field 'nope'",
        ),
        (
            {"type": "metric", "where": {"if": {"required": ["kind"]}}},
            f"{AT}/where/if",
            "Conditions cannot use “if”",
        ),
        (
            {"type": "table", "where": {"properties": {"done": {"const": True}}}},
            f"{AT}/where/properties/done",
            "there is no field 'done'",  # an item's field, not the record's
        ),
        (
            {"type": "indicator", "indicator": "X", "where": {"required": ["kind"]}},
            f"{AT}/where",
            "an indicator widget shows the indicator's own results",
        ),
        (
            {"type": "metric", "item_where": {"required": ["done"]}},
            f"{AT}/item_where",
            'is used only with "aggregate": "items"',
        ),
        (
            {"type": "metric", "aggregate": "items", "field": "/kind"},
            f"{AT}/field",
            "items are counted in a repeating section, but /kind is not one",
        ),
        (
            {"type": "metric", "aggregate": "items"},
            f"{AT}/field",
            "is required",
        ),
        (
            {"type": "table", "aggregate": "items", "field": "/actions"},
            f"{AT}/aggregate",
            "a table widget does not count items",
        ),
        (
            {
                "type": "chart",
                "chart": "pie",
                "aggregate": "items",
                "field": "/actions",
                "group_by": "/kind",
            },
            f"{AT}/group_by",
            "items are counted by org, period or month",
        ),
        (
            {
                "type": "metric",
                "aggregate": "items",
                "field": "/actions",
                "item_where": {"properties": {"kind": {"const": "x"}}},
            },
            f"{AT}/item_where/properties/kind",
            "there is no field 'kind' in /actions/-",
        ),
        (
            {
                "type": "metric",
                "aggregate": "items",
                "field": "/actions",
                "item_where": {"properties": {"done": {"if": True}}},
            },
            f"{AT}/item_where/properties/done/if",
            "Conditions cannot use “if”",
        ),
        (
            {"type": "duration", "to": "state:done"},
            f"{AT}/to",
            "there is no workflow state 'done' (states: draft, submitted, triage, closed, "
            "withdrawn)",
        ),
        (
            {"type": "duration", "to": "state:draft"},
            f"{AT}/to",
            "no workflow step leads into 'draft', so no record ever reaches it",
        ),
        (
            {"type": "duration", "to": "closed"},
            f"{AT}/to",
            "must be state:<state>, such as state:closed",
        ),
        ({"type": "duration"}, f"{AT}/to", "is required"),
        (
            {"type": "duration", "to": "state:closed", "group_by": "/kind"},
            f"{AT}/group_by",
            "a duration is grouped by org, month or period",
        ),
        (
            {"type": "duration", "to": "state:closed", "from": "triaged"},
            f"{AT}/from",
            "created",
        ),
        ({"type": "metric", "to": "state:closed"}, f"{AT}/to", "is used only by duration"),
        ({"type": "chart", "chart": "bar", "from": "created"}, f"{AT}/from", "duration"),
        (
            {"type": "chart", "chart": "bar", "group_by": "week"},
            f"{AT}/group_by",
            "must be org, period, month or a field pointer such as /reading",
        ),
    ],
)
def test_bad_widgets_are_refused_at_their_pointers(
    widget: dict[str, Any], pointer: str, message: str
) -> None:
    found = problems(with_widget(**widget))
    assert any(at == pointer and message in text for at, text in found), found


def test_duration_in_the_default_workflow() -> None:
    raw = with_widget(type="duration", to="state:approved", group_by="month")
    del raw["workflow"]
    assert validate_definition(raw).dashboard["widgets"][0]["to"] == "state:approved"
    raw["dashboard"]["widgets"][0]["to"] = "state:closed"
    assert problems(raw) == [
        (
            f"{AT}/to",
            "there is no workflow state 'closed' (states: draft, submitted, approved)",
        )
    ]


def test_good_options_pass() -> None:
    raw = with_widget(
        type="chart",
        chart="stacked_bar",
        field="/harm",
        group_by="month",
        where={"allOf": [{"required": ["kind"]}, {"not": {"properties": {"harm": False}}}]},
    )
    raw["dashboard"]["widgets"].append(
        {
            "id": "items",
            "type": "map",
            "title": "Open actions",
            "aggregate": "items",
            "field": "/actions",
            "item_where": {"anyOf": [{"required": ["owner"]}, {"properties": {"done": False}}]},
        }
    )
    validate_definition(raw)
