"""Conditional questions: written as the engine's show_if, read back as sentences."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.forms.condition_language import matches as evaluate
from miniapps.core.studio.editing import (
    Condition,
    EditRefused,
    add_field,
    add_option,
    condition_of,
    condition_questions,
    condition_sentence,
    rename_option,
    set_condition,
)

from tests.core.studio.studio_samples import assert_valid, real_definitions, sample_app


def refused(call: Any, *args: Any, **kwargs: Any) -> EditRefused:
    with pytest.raises(EditRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_yes_no_condition_is_stored_as_show_if_and_read_back() -> None:
    d = set_condition(sample_app(), "/dbs_number", Condition("/has_a_dbs_check", True))
    assert d["ui"]["fields"]["/dbs_number"] == {
        "show_if": {
            "required": ["has_a_dbs_check"],
            "properties": {"has_a_dbs_check": {"const": True}},
        }
    }
    assert condition_of(d, "/dbs_number") == Condition("/has_a_dbs_check", True)
    assert condition_sentence(d, "/dbs_number") == "Show this when “Has a DBS check” is “Yes”"
    assert_valid(d)
    cleared = set_condition(d, "/dbs_number", None)
    assert "/dbs_number" not in cleared["ui"]["fields"]
    assert condition_sentence(cleared, "/dbs_number") is None
    assert condition_of(cleared, "/dbs_number") is None


def test_negated_choice_conditions_follow_renamed_labels() -> None:
    d = rename_option(sample_app(), "/role", "option_2", "Healthcare assistant")
    d = set_condition(d, "/about", Condition("/role", "option_2", negate=True))
    assert d["ui"]["fields"]["/about"]["show_if"] == {
        "not": {"required": ["role"], "properties": {"role": {"const": "option_2"}}}
    }
    assert condition_sentence(d, "/about") == "Show this when “Role” is not “Healthcare assistant”"
    assert condition_of(d, "/about") == Condition("/role", "option_2", True)
    assert_valid(d)


def test_the_engine_agrees_with_the_sentence() -> None:
    d = set_condition(sample_app(), "/about", Condition("/role", "option_1", negate=True))
    show_if = d["ui"]["fields"]["/about"]["show_if"]
    assert evaluate(show_if, {"role": "option_2"}) is True
    assert evaluate(show_if, {"role": "option_1"}) is False
    d2, tags = add_field(sample_app(), kind="several_choices", label="Tags")
    d2, later = add_field(d2, kind="text", label="Why urgent")
    d2 = add_option(d2, tags, "Urgent")
    d2 = set_condition(d2, later, Condition(tags, "urgent"))
    assert condition_sentence(d2, later) == "Show this when “Tags” includes “Urgent”"
    show_if = d2["ui"]["fields"][later]["show_if"]
    assert evaluate(show_if, {"tags": ["option_1", "urgent"]}) is True
    assert evaluate(show_if, {"tags": ["option_1"]}) is False
    assert_valid(d2)


def test_conditions_inside_a_repeat_use_the_same_item() -> None:
    d = sample_app()
    d, done = add_field(d, kind="yes_no", label="Passed", parent="/courses")
    d, why = add_field(d, kind="long_text", label="What next", parent="/courses")
    d = set_condition(d, why, Condition(done, False))
    assert d["ui"]["fields"]["/courses/-/what_next"]["show_if"] == {
        "required": ["passed"],
        "properties": {"passed": {"const": False}},
    }
    assert condition_sentence(d, "/courses/0/what_next") == "Show this when “Passed” is “No”"
    assert condition_of(d, why) == Condition("/courses/-/passed", False)
    assert_valid(d)


def test_the_questions_a_condition_may_use() -> None:
    d = sample_app()
    assert condition_questions(d, "/name") == []
    assert condition_questions(d, "/about") == [
        ("/has_a_dbs_check", "Has a DBS check", [(True, "Yes"), (False, "No")]),
        ("/role", "Role", [("option_1", "Option 1"), ("option_2", "Option 2")]),
    ]
    assert condition_questions(d, "/courses/-/completed_on") == []


@pytest.mark.parametrize(
    ("pointer", "condition", "words"),
    [
        ("/has_a_dbs_check", Condition("/role", "option_1"), "“Role” comes later"),
        ("/dbs_number", Condition("/name", "x"), "“Name” is not a yes/no or choice question"),
        ("/dbs_number", Condition("/nothing", True), "/nothing is not a question of the same form"),
        ("/courses/-/course_name", Condition("/has_a_dbs_check", True), "of the same item"),
        ("/dbs_number", Condition("/has_a_dbs_check", "yes"), "can be answered only “Yes”, “No”"),
        ("/about", Condition("/role", "option_9"), "“Option 1”, “Option 2”"),
        ("/missing", Condition("/role", "option_1"), "there is no field"),
    ],
)
def test_refused_conditions_say_why(pointer: str, condition: Condition, words: str) -> None:
    error = refused(set_condition, sample_app(), pointer, condition)
    assert error.pointer == pointer
    assert words in error.message


@pytest.mark.parametrize(
    ("show_if", "sentence"),
    [
        (
            {
                "allOf": [
                    {
                        "required": ["has_a_dbs_check"],
                        "properties": {"has_a_dbs_check": {"const": False}},
                    },
                    {"required": ["role"], "properties": {"role": {"const": "option_1"}}},
                ]
            },
            "Show this when “Has a DBS check” is “No” and “Role” is “Option 1”",
        ),
        (
            {
                "anyOf": [
                    {"required": ["role"], "properties": {"role": {"const": "option_1"}}},
                    {"required": ["role"], "properties": {"role": {"const": "option_2"}}},
                ]
            },
            "Show this when “Role” is “Option 1” or “Role” is “Option 2”",
        ),
        (
            {"properties": {"name": {"pattern": "^A"}}},
            "Show this when a condition written in JSON holds",
        ),
        (
            {"required": ["role"], "properties": {"role": {"const": "gone"}}},
            "Show this when “Role” is “gone”",
        ),
    ],
)
def test_conditions_written_in_json_are_described(show_if: dict[str, Any], sentence: str) -> None:
    d = sample_app()
    d["ui"]["fields"]["/courses"] = {"show_if": show_if}
    assert condition_sentence(d, "/courses") == sentence
    simple = "allOf" not in show_if and "anyOf" not in show_if and "pattern" not in str(show_if)
    assert (condition_of(d, "/courses") is not None) is simple


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_every_real_condition_has_a_sentence(name: str, definition: dict[str, Any]) -> None:
    for pointer, entry in ((definition.get("ui") or {}).get("fields") or {}).items():
        if "show_if" in entry:
            sentence = condition_sentence(definition, pointer)
            assert sentence and sentence.startswith("Show this when "), name
