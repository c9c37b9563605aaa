"""Parts of a record's form: a step's form shows exactly its fields (with the conditions
among them); the record's own form leaves them out (and a section left empty)."""

from __future__ import annotations

from typing import Any

from miniapps.core.forms import bind_form
from miniapps.core.forms.form_parts import (
    compile_fields_form,
    compile_form_without,
    condition_names,
)
from werkzeug.datastructures import MultiDict

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["adult", "child"], "title": "Kind"},
        "summary": {"type": "string", "title": "Summary"},
        "outcome": {"enum": ["s42", "other"], "title": "Outcome"},
        "reasons": {"type": "string", "title": "Reasons", "maxLength": 10},
        "child_note": {"type": "string", "title": "Note on the child"},
    },
    "allOf": [
        {
            "if": {"required": ["outcome"], "properties": {"outcome": {"const": "other"}}},
            "then": {"required": ["reasons"]},
        },
        {
            "if": {"required": ["kind"], "properties": {"kind": {"const": "child"}}},
            "then": {"required": ["reasons", "summary"]},
        },
    ],
}
UI: dict[str, Any] = {
    "order": ["/reasons", "/outcome"],
    "sections": [
        {"title": "About", "fields": ["/kind", "/summary"]},
        {"title": "Decision", "fields": ["/outcome", "/reasons"]},
    ],
    "fields": {
        "/child_note": {
            "show_if": {"required": ["kind"], "properties": {"kind": {"const": "child"}}}
        },
        "/reasons": {"widget": "textarea"},
    },
}


def test_a_steps_form_has_exactly_its_fields_in_the_forms_order() -> None:
    part = compile_fields_form(SCHEMA, UI, ["outcome", "reasons"])
    assert [n.field.key for n in part.nodes] == ["reasons", "outcome"]
    assert [(s.title, s.names) for s in part.sections] == [("", ("reasons", "outcome"))]
    assert part.nodes[0].widget_name == "textarea"


def test_a_steps_form_keeps_only_the_conditions_among_its_fields() -> None:
    part = compile_fields_form(SCHEMA, UI, ["outcome", "reasons"])
    assert [(r["when"], r["then"]) for r in part.rules] == [
        (
            {"required": ["outcome"], "properties": {"outcome": {"const": "other"}}},
            {"show": [], "require": ["reasons"]},
        )
    ]
    bound = bind_form(part, formdata=MultiDict({"outcome": "other", "reasons": "Too long here"}))
    assert bound.to_json() == {"outcome": "other", "reasons": "Too long here"}
    assert bound.rule_state().required == {"/reasons"}
    issues = bound.validate_data(submit=True)
    # The record's "kind" is not on this form: only the step's own problems are its.
    assert {i.pointer for i in issues} >= {"/reasons"}


def test_the_records_form_leaves_the_step_fields_out() -> None:
    rest = compile_form_without(SCHEMA, UI, ["outcome", "reasons"])
    assert [n.field.key for n in rest.nodes] == ["kind", "summary", "child_note"]
    assert [s.title for s in rest.sections] == ["About", ""]  # "Decision" is empty: gone
    bound = bind_form(rest, data={"kind": "adult", "summary": "Seen", "outcome": "s42"})
    assert bound.to_json() == {"kind": "adult", "summary": "Seen"}
    assert "/child_note" in bound.rule_state().hidden  # its own conditions still apply


def test_condition_names() -> None:
    cond = {
        "required": ["a"],
        "properties": {"b": {"properties": {"nested": {"const": 1}}}},
        "anyOf": [{"required": ["c"]}, {"not": {"properties": {"d": {}}}}],
        "dependentRequired": {"e": ["f"]},
    }
    assert condition_names(cond) == {"a", "b", "c", "d", "e", "f"}
    assert condition_names(True) == set()
