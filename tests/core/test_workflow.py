"""The workflow engine: editable states and the fields an action needs filled in first."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.workflow import (
    DEFAULT_WORKFLOW,
    Workflow,
    empty_fields,
    has_value,
    missing_field_issues,
)

from tests.sample_workflows import CASE_LOG

SCHEMA = CASE_LOG["schema"]
WORKFLOW = Workflow(CASE_LOG["workflow"])
CLOSE = WORKFLOW.find("open", "close")
FILLED: dict[str, Any] = {
    "summary": "Fridge alarm",
    "outcome": "Vaccines quarantined",
    "severity": "high",
    "actions": [{"owner": "Jo"}],
}


def issues_for(data: Any, schema: dict[str, Any] = SCHEMA, ui: dict | None = None):
    assert CLOSE is not None
    return [(i.pointer, i.message) for i in missing_field_issues(WORKFLOW, CLOSE, schema, ui, data)]


def test_required_fields_are_the_actions_then_the_entered_states() -> None:
    assert CLOSE is not None
    assert WORKFLOW.required_fields(CLOSE) == ("/severity", "/actions/-/owner", "/outcome")
    submit = WORKFLOW.find("draft", "submit")
    assert submit is not None and WORKFLOW.required_fields(submit) == ()


def test_a_field_named_twice_is_asked_for_once() -> None:
    declared = copy.deepcopy(CASE_LOG["workflow"])
    declared["transitions"][1]["requires_fields"] = ["/outcome"]
    workflow = Workflow(declared)
    close = workflow.find("open", "close")
    assert close is not None and workflow.required_fields(close) == ("/outcome",)


@pytest.mark.parametrize(
    ("value", "filled"),
    [
        (None, False),
        ("", False),
        ("   ", False),
        ([], False),
        ({}, False),
        ("x", True),
        (0, True),
        (False, True),
        ([1], True),
    ],
)
def test_has_value(value: Any, filled: bool) -> None:
    assert has_value(value) is filled


def test_empty_fields_expand_repeats_and_nested_objects() -> None:
    data = {"a": {"b": ""}, "items": [{"owner": "Jo"}, {}, {"owner": " "}]}
    assert empty_fields(data, ["/a/b", "/items/-/owner", "/c", "/d/e"]) == [
        "/a/b",
        "/items/1/owner",
        "/items/2/owner",
        "/c",
        "/d/e",
    ]
    # An index means every item too; a missing or empty section has no items to fill.
    assert empty_fields(data, ["/items/0/owner"]) == ["/items/1/owner", "/items/2/owner"]
    assert empty_fields({}, ["/items/-/owner"]) == []
    assert empty_fields({"items": []}, ["/items"]) == ["/items"]


def test_everything_filled_means_no_issues() -> None:
    assert issues_for(FILLED) == []


def test_each_missing_field_is_named_at_its_pointer() -> None:
    data = {"summary": "x", "outcome": "", "actions": [{"owner": "Jo"}, {"owner": ""}]}
    assert issues_for(data) == [
        ("/severity", "Fill in 'Severity' to close"),
        ("/actions/1/owner", "Fill in 'Owner' (item 2) to close"),
        ("/outcome", "Fill in 'Outcome' to close"),
    ]


def test_a_field_hidden_by_a_condition_is_not_asked_for() -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["resolved"] = {"type": "boolean", "title": "Resolved"}
    del schema["properties"]["outcome"]
    schema["if"] = {"properties": {"resolved": {"const": True}}, "required": ["resolved"]}
    schema["then"] = {"properties": {"outcome": {"type": "string", "title": "Outcome"}}}
    base = {"summary": "x", "severity": "low", "actions": []}
    assert issues_for({**base, "resolved": False}, schema) == []
    assert issues_for({**base, "resolved": True}, schema) == [
        ("/outcome", "Fill in 'Outcome' to close")
    ]


def test_editable_states() -> None:
    assert WORKFLOW.is_editable("draft") and WORKFLOW.is_editable("open")
    assert not WORKFLOW.is_editable("closed")
    default = Workflow(None)
    assert default.is_editable("draft") and not default.is_editable("submitted")
    locked = copy.deepcopy(DEFAULT_WORKFLOW)
    locked["states"]["draft"]["editable"] = False
    assert not Workflow(locked).is_editable("draft")
