"""A step's ``when``: possible only for records whose data matches; checked at publish."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.workflow import Workflow

WORKFLOW: dict[str, Any] = {
    "initial": "draft",
    "states": {
        "draft": {"title": "Draft"},
        "submitted": {"title": "Submitted"},
        "triage": {"title": "Triage"},
        "sent": {"title": "Sent"},
        "closed": {"title": "Closed", "final": True},
    },
    "transitions": [
        {"action": "submit", "from": ["draft"], "to": "submitted"},
        {
            "action": "triage",
            "from": ["submitted"],
            "to": "triage",
            "when": {"required": ["kind"], "properties": {"kind": {"const": "incident"}}},
        },
        {
            "action": "send",
            "from": ["submitted"],
            "to": "sent",
            "when": {"required": ["kind"], "properties": {"kind": {"const": "referral"}}},
        },
        {"action": "close", "from": ["triage", "sent"], "to": "closed"},
    ],
}
DEFINITION: dict[str, Any] = {
    "id": "paths",
    "title": "Two paths",
    "version": 1,
    "schema": {"type": "object", "properties": {"kind": {"enum": ["incident", "referral"]}}},
    "workflow": WORKFLOW,
}


def test_steps_follow_the_data() -> None:
    workflow = Workflow(WORKFLOW)
    incident, referral = {"kind": "incident"}, {"kind": "referral"}
    assert [t.action for t in workflow.from_state("submitted", incident)] == ["triage"]
    assert [t.action for t in workflow.from_state("submitted", referral)] == ["send"]
    assert [t.action for t in workflow.from_state("submitted")] == ["triage", "send"]
    assert workflow.find("submitted", "send", incident) is None
    assert workflow.find("submitted", "send", referral) is not None


def test_a_valid_definition_with_when_publishes() -> None:
    validate_definition(copy.deepcopy(DEFINITION))


@pytest.mark.parametrize(
    ("when", "pointer"),
    [
        (
            {"properties": {"colour": {"const": "red"}}},
            "/workflow/transitions/1/when/properties/colour",
        ),
        (
            {"properties": {"kind": {"format": "email"}}},
            "/workflow/transitions/1/when/properties/kind/format",
        ),
    ],
)
def test_a_bad_when_is_refused_at_its_pointer(when: Any, pointer: str) -> None:
    raw = copy.deepcopy(DEFINITION)
    raw["workflow"]["transitions"][1]["when"] = when
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(raw)
    assert pointer in [i.pointer for i in refused.value.issues]


def test_step_fields_are_top_level_fields() -> None:
    raw = copy.deepcopy(DEFINITION)
    raw["workflow"]["transitions"][2]["fields"] = ["/outcome", "/kind/x"]
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(raw)
    assert {i.pointer for i in refused.value.issues} >= {
        "/workflow/transitions/2/fields/0",
        "/workflow/transitions/2/fields/1",
    }
