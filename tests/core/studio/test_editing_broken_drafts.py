"""A draft broken in the JSON tab: every studio function answers with a refusal or a
result, never another exception, and an edit adds no problem of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from miniapps.core.studio import editing as ed
from miniapps.core.studio.change_words import describe_changes
from miniapps.core.studio.editing_base import definition_issues
from miniapps.core.studio.migration_choices import suggest_choices


def base(**members: Any) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"a": {"type": "boolean"}, "b": {"type": "string"}}}
    return {"id": "x", "title": "X", "version": 1, "schema": schema, **members}


BROKEN: list[dict[str, Any]] = [
    {},
    {"schema": []},
    {"schema": {"properties": []}},
    base(ui=[]),
    base(ui={"fields": []}),
    base(ui={"sections": [1, {"title": "x"}]}),
    base(ui={"sections": "x"}),
    base(ui={"order": [1, "/zz"]}),
    base(dashboard={"widgets": [1]}),
    base(dashboard=[]),
    base(workflow=3),
    base(period="x"),
    base(channels=5),
    base(ui={"fields": {"/b": {"show_if": 7}, "/zz": {"widget": "text"}}}),
    base(ui={"fields": {"/b": []}}),
    {"schema": {"properties": {"a": 3, "b": {"type": "array", "items": 4}}}},
    base(
        schema={
            "type": "object",
            "required": 5,
            "properties": {
                "r": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"x": {"type": "boolean"}}},
                }
            },
        }
    ),
    base(migration=[]),
    base(migration={"rename": 3}),
]

OPS: list[Callable[[dict[str, Any]], Any]] = [
    lambda d: ed.add_field(d, kind="text", label="New"),
    lambda d: ed.add_field(d, kind="text", label="New", parent="/r"),
    lambda d: ed.update_field(d, "/b", ed.FieldSettings(label="B", required=True, hint="h")),
    lambda d: ed.update_field(d, "/r/-/x", ed.FieldSettings(required=True)),
    lambda d: ed.move_field(d, "/b", 0),
    lambda d: ed.delete_field(d, "/a"),
    lambda d: ed.delete_field(d, "/b"),
    lambda d: ed.add_section(d, "S"),
    lambda d: ed.put_in_section(d, "/a", 0),
    lambda d: ed.delete_section(d, 0),
    lambda d: ed.move_section(d, 0, 1),
    lambda d: ed.update_section(d, 0, "T", ""),
    lambda d: ed.set_condition(d, "/b", ed.Condition("/a", True)),
    lambda d: ed.condition_sentence(d, "/b"),
    lambda d: ed.condition_of(d, "/b"),
    lambda d: ed.condition_questions(d, "/b"),
    lambda d: ed.set_period(d, frequency="monthly"),
    lambda d: ed.set_workflow(d, "submit_only"),
    lambda d: ed.workflow_pattern_of(d),
    lambda d: ed.add_widget(d, "latest_table"),
    lambda d: ed.delete_widget(d, "x"),
    lambda d: ed.set_details(d, title="T", description=""),
    lambda d: ed.add_option(d, "/b", "x"),
    lambda d: describe_changes(base(), d),
    lambda d: describe_changes(d, base()),
    lambda d: suggest_choices(base(), d),
    lambda d: suggest_choices(d, base()),
]


@pytest.mark.parametrize("index", range(len(BROKEN)))
def test_broken_drafts_get_refusals_or_results(index: int) -> None:
    draft = BROKEN[index]
    for op in OPS:
        try:
            op(draft)
        except ed.EditRefused as exc:
            assert exc.message


def test_an_invalid_draft_can_still_be_edited_without_new_problems() -> None:
    draft = base(ui={"fields": {"/ghost": {"widget": "text"}}})
    problems = {(i.pointer, i.message) for i in definition_issues(draft)}
    assert problems
    edited, pointer = ed.add_field(draft, kind="one_choice", label="Role")
    edited = ed.add_option(edited, pointer, "Nurse")
    edited = ed.update_field(edited, "/b", ed.FieldSettings(required=True))
    assert {(i.pointer, i.message) for i in definition_issues(edited)} == problems
    with pytest.raises(ed.EditRefused) as caught:
        ed.update_field(edited, "/b", ed.FieldSettings(pattern="(a+)+$"))
    assert caught.value.pointer == "/b"
