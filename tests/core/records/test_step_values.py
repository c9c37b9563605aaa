"""Step values: merged over the record's data, keys outside the step refused at
/data/<key>; the record's own form keeps the stored step values and refuses changes."""

from __future__ import annotations

from typing import Any

from miniapps.core.records.step_values import (
    keep_step_values,
    merge_step_values,
    step_fields,
    step_keys,
)
from miniapps.core.workflow import Workflow

WORKFLOW: dict[str, Any] = {
    "initial": "draft",
    "states": {"draft": {}, "sent": {}, "decided": {}, "closed": {"final": True}},
    "transitions": [
        {"action": "send", "from": ["draft"], "to": "sent"},
        {
            "action": "decide",
            "title": "Record the decision",
            "from": ["sent"],
            "to": "decided",
            "fields": ["/outcome", "/reasons"],
        },
        {"action": "close", "from": ["decided"], "to": "closed", "fields": ["/closing_note"]},
    ],
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "title": "Summary"},
        "outcome": {"type": "string", "title": "Outcome"},
        "reasons": {"type": "string", "title": "Reasons"},
        "closing_note": {"type": "string"},
    },
}
workflow = Workflow(WORKFLOW)
decide, close = workflow.transitions[1], workflow.transitions[2]


def test_the_steps_fields_by_member_name() -> None:
    assert step_keys(decide) == ["outcome", "reasons"]
    assert step_keys(workflow.transitions[0]) == []
    assert {k: t.action for k, t in step_fields(workflow).items()} == {
        "outcome": "decide",
        "reasons": "decide",
        "closing_note": "close",
    }


def test_values_replace_null_clears_and_a_field_left_out_is_kept() -> None:
    stored = {"summary": "Seen", "outcome": "s42", "reasons": "Needs met"}
    merged, issues = merge_step_values(stored, decide, {"outcome": "nfa", "reasons": None})
    assert issues == []
    assert merged == {"summary": "Seen", "outcome": "nfa"}
    assert stored == {"summary": "Seen", "outcome": "s42", "reasons": "Needs met"}  # a copy
    merged, _ = merge_step_values(stored, decide, {"outcome": "nfa"})
    assert merged["reasons"] == "Needs met"


def test_a_key_outside_the_step_is_refused_at_data_key_and_nothing_merged() -> None:
    stored = {"summary": "Seen"}
    merged, issues = merge_step_values(stored, decide, {"outcome": "nfa", "summary": "x", "a/b": 1})
    assert merged == stored
    assert [i.pointer for i in issues] == ["/data/summary", "/data/a~1b"]
    assert issues[0].message == (
        "'summary' is not filled in with the step 'Record the decision' "
        "(it fills in 'outcome', 'reasons')"
    )
    _, none = merge_step_values(stored, workflow.transitions[0], {"outcome": "nfa"})
    assert none[0].pointer == "/data/outcome"
    assert "fills in no fields" in none[0].message
    _, shape = merge_step_values(stored, decide, ["outcome"])
    assert [i.pointer for i in shape] == ["/data"]


def test_the_records_form_keeps_step_values_and_refuses_changes() -> None:
    stored = {"summary": "Seen", "outcome": "s42", "closing_note": "Done"}
    kept, issues = keep_step_values(workflow, SCHEMA, stored, {"summary": "Seen twice"})
    assert issues == []
    assert kept == {"summary": "Seen twice", "outcome": "s42", "closing_note": "Done"}
    same = {"summary": "Seen", "outcome": "s42", "reasons": None}
    assert keep_step_values(workflow, SCHEMA, stored, same)[1] == []
    changed = {"summary": "Seen", "outcome": "nfa", "reasons": "New"}
    kept, issues = keep_step_values(workflow, SCHEMA, stored, changed)
    assert [(i.pointer, i.message) for i in issues] == [
        ("/outcome", "'Outcome' is filled in with the step 'Record the decision', not here"),
        ("/reasons", "'Reasons' is filled in with the step 'Record the decision', not here"),
    ]
    assert kept["outcome"] == "s42" and "reasons" not in kept


def test_without_step_fields_the_data_is_left_alone() -> None:
    plain = Workflow(None)
    given = {"anything": 1}
    assert keep_step_values(plain, SCHEMA, {}, given) == (given, [])
