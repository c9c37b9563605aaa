"""Issue 14: ``unique``, ``follow_ups`` and notifications' ``when`` are checked when a
definition is validated: every field they name exists and fits, each problem at its
pointer."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

BUNDLE = Path(__file__).resolve().parents[3] / "apps" / "cqc_compliance" / "definitions"
NOT_MET = {"required": ["result"], "properties": {"result": {"const": "not_met"}}}
BASE: dict[str, Any] = {
    "id": "checks",
    "title": "Checks",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "fridge": {"type": "string"},
            "day": {"type": "string", "format": "date"},
            "reading": {"type": "number"},
            "where": {"type": "object", "properties": {"room": {"type": "string"}}},
            "tags": {"type": "array", "uniqueItems": True, "items": {"enum": ["a", "b"]}},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "result": {"type": "string", "enum": ["met", "not_met"]},
                        "action": {"type": "string"},
                        "owner": {"type": "string", "format": "email"},
                        "due": {"type": "string", "format": "date"},
                        "notes": {"type": "object", "properties": {"text": {"type": "string"}}},
                    },
                },
            },
        },
    },
}


def issues(**members: Any) -> dict[str, str]:
    raw = {**copy.deepcopy(BASE), **members}
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_a_sound_definition_passes():
    raw = {
        **copy.deepcopy(BASE),
        "unique": [
            {"fields": ["/fridge", "/day"], "message": "One log per fridge and day"},
            {"fields": ["/where/room", "/day"]},
        ],
        "notifications": [{"on": "submitted", "to": ["practice_manager"], "when": {
            "required": ["reading"], "properties": {"reading": {"not": {"minimum": 2}}}}}],
        "follow_ups": {"items": "/items", "where": NOT_MET, "title": "/action",
                       "owner": "/owner", "due": "/due", "chase_every_days": 3},
    }  # fmt: skip
    assert validate_definition(raw).follow_ups is not None


def test_unique_names_fields_with_one_answer_outside_repeats():
    found = issues(
        unique=[
            {"fields": ["/fridge", "/nothing"]},
            {"fields": ["/where", "/tags"]},
            {"fields": ["/items/-/result"]},
            {"fields": ["/day", "/fridge"]},
            {"fields": ["/fridge", "/day"]},
        ]
    )
    assert found == {
        "/unique/0/fields/1": "there is no field at /nothing",
        "/unique/1/fields/0": "/where is a group of questions: a unique key takes fields "
        "with one answer (text, a number, a date, a choice or yes/no)",
        "/unique/1/fields/1": "/tags is a question with several answers: a unique key "
        "takes fields with one answer (text, a number, a date, a choice or yes/no)",
        "/unique/2/fields/0": "/items/-/result is inside the repeating section /items: a "
        "unique key takes fields answered once per record",
        "/unique/4/fields": "these fields are already a key in /unique/3",
    }


def test_a_notification_condition_names_real_fields_and_not_on_overdue():
    found = issues(
        period={"frequency": "monthly"},
        notifications=[
            {"on": "submitted", "to": ["practice_manager"], "when": {"required": ["temp"]}},
            {"on": "created", "to": ["submitter"], "when": {"properties": {"x": {"const": 1}}}},
            {"on": "overdue", "to": ["pcn_manager"], "when": {"required": ["fridge"]}},
            {"on": "submitted", "to": ["pcn_manager"], "when": {"format": "date"}},
        ],
    )
    assert found["/notifications/0/when/required/0"] == "there is no field 'temp'"
    assert found["/notifications/1/when/properties/x"] == "there is no field 'x'"
    assert found["/notifications/2/when"].startswith("'when' needs a record's answers")
    assert "format" in found["/notifications/3/when/format"]


@pytest.mark.parametrize(
    ("follow_ups", "pointer", "message"),
    [
        ({"items": "/nothing", "title": "/action"}, "/follow_ups/items",
         "there is no field at /nothing"),
        ({"items": "/where", "title": "/room"}, "/follow_ups/items",
         "/where is a group of questions: follow_ups.items must be a repeating section (an "
         "array of objects), whose items become actions"),
        ({"items": "/items", "title": "/headline"}, "/follow_ups/title",
         "there is no field /headline in the items of /items"),
        ({"items": "/items", "title": "/notes"}, "/follow_ups/title",
         "/notes is a group of questions: use a text or choice field"),
        ({"items": "/items", "title": "/action", "owner": "/who"}, "/follow_ups/owner",
         "there is no field /who in the items of /items"),
        ({"items": "/items", "title": "/action", "due": "/action"}, "/follow_ups/due",
         '/action must be a date field (a string with "format": "date")'),
        ({"items": "/items", "title": "/action", "where": {"required": ["fridge"]}},
         "/follow_ups/where/required/0", "there is no field 'fridge' in /items/-"),
    ],
)  # fmt: skip
def test_follow_ups_name_a_repeating_section_and_fields_of_its_items(follow_ups, pointer, message):
    assert issues(follow_ups=follow_ups) == {pointer: message}


def test_follow_ups_where_uses_the_condition_language():
    found = issues(follow_ups={"items": "/items", "title": "/action", "where": {"format": "x"}})
    assert list(found) == ["/follow_ups/where/format"]


@pytest.mark.parametrize(
    "name",
    ["cqc_fridge_log", "cqc_ipc_audit", "cqc_emergency_drugs_audit", "cqc_fire_safety_audit"],
)
def test_the_bundled_audit_templates_are_valid(name):
    raw = json.loads((BUNDLE / f"{name}.json").read_text(encoding="utf-8"))
    definition = validate_definition(raw)
    assert definition.id == name and definition.evidence
    assert definition.unique or definition.follow_ups
