"""Studio edits of choices and sections."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.studio.editing import (
    Condition,
    EditRefused,
    add_field,
    add_option,
    add_section,
    delete_option,
    delete_section,
    move_field,
    move_option,
    move_section,
    put_in_section,
    rename_option,
    set_condition,
    update_section,
)

from tests.core.studio.studio_samples import assert_valid, sample_app


def refused(call: Any, *args: Any, **kwargs: Any) -> EditRefused:
    with pytest.raises(EditRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def titles(d: dict[str, Any], pointer: str = "/role") -> list[tuple[Any, str]]:
    schema = d["schema"]["properties"][pointer[1:]]
    options = schema["items"]["oneOf"] if schema["type"] == "array" else schema["oneOf"]
    return [(o["const"], o["title"]) for o in options]


def test_options_add_rename_move_delete_keep_values() -> None:
    d = sample_app()
    assert titles(d) == [("option_1", "Option 1"), ("option_2", "Option 2")]
    d = add_option(d, "/role", "Healthcare assistant (HCA)")
    d = rename_option(d, "/role", "option_1", "GP")
    d = rename_option(d, "/role", "option_2", "Nurse")
    d = move_option(d, "/role", "healthcare_assistant_hca", 0)
    assert titles(d) == [
        ("healthcare_assistant_hca", "Healthcare assistant (HCA)"),
        ("option_1", "GP"),
        ("option_2", "Nurse"),
    ]
    d = delete_option(d, "/role", "option_1")
    d = add_option(d, "/role", "Option 1")  # the value option_1 is free again
    assert [v for v, _ in titles(d)] == ["healthcare_assistant_hca", "option_2", "option_1"]
    assert_valid(d)


def test_options_of_several_choices_and_of_an_enum() -> None:
    d = sample_app()
    d, pointer = add_field(d, kind="several_choices", label="Tags")
    d = add_option(d, pointer, "Urgent")
    assert titles(d, pointer)[-1] == ("urgent", "Urgent")
    d["schema"]["properties"]["band"] = {"type": "string", "title": "Band", "enum": ["b5", "b6"]}
    d = rename_option(d, "/band", "b6", "Band 6")
    assert d["schema"]["properties"]["band"] == {
        "type": "string",
        "title": "Band",
        "oneOf": [{"const": "b5", "title": "b5"}, {"const": "b6", "title": "Band 6"}],
    }
    assert_valid(d)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda d: add_option(d, "/role", "option 1"), "already a choice “option 1”"),
        (lambda d: add_option(d, "/role", " "), "give the choice a label"),
        (lambda d: add_option(d, "/name", "X"), "only a one-choice or several-choices"),
        (lambda d: rename_option(d, "/role", "nope", "X"), "there is no choice 'nope'"),
        (lambda d: rename_option(d, "/role", "option_1", "Option 2"), "already a choice"),
        (
            lambda d: delete_option(delete_option(d, "/role", "option_1"), "/role", "option_2"),
            "at least one choice",
        ),
    ],
)
def test_option_refusals(call: Any, words: str) -> None:
    assert words in refused(call, sample_app()).message


def test_an_option_a_condition_uses_is_not_deleted() -> None:
    d = set_condition(sample_app(), "/about", Condition("/role", "option_2"))
    error = refused(delete_option, d, "/role", "option_2")
    assert error.message == "the choice “Option 2” is used by the condition of “About”"
    assert_valid(delete_option(d, "/role", "option_1"))


def names(d: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(s["title"], s["fields"]) for s in d.get("ui", {}).get("sections", [])]


def test_sections_take_questions_in_order() -> None:
    d = add_section(sample_app(), "About you", "Who you are")
    everything = ["name", "has_a_dbs_check", "dbs_number", "role", "about", "courses"]
    assert names(d) == [("About you", everything)]
    assert d["ui"]["sections"][0]["description"] == "Who you are"
    d = add_section(d, "Training")
    assert names(d) == [("About you", everything[:-1]), ("Training", ["courses"])]
    d = add_section(d, "Chosen", fields=["/role", "/has_a_dbs_check"])
    assert names(d)[2] == ("Chosen", ["has_a_dbs_check", "role"])
    # The properties follow the order the form shows.
    assert list(d["schema"]["properties"]) == [
        "name",
        "dbs_number",
        "about",
        "courses",
        "has_a_dbs_check",
        "role",
    ]
    assert_valid(d)


def test_a_section_needs_a_question() -> None:
    d = add_section(sample_app(), "All")
    d = move_field(d, "/courses", 0)
    lone = {
        "id": "x",
        "title": "X",
        "version": 1,
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        "ui": {"sections": [{"title": "A", "fields": ["a"]}]},
    }
    assert "at least one question" in refused(add_section, lone, "More").message
    empty = {"id": "x", "title": "X", "version": 1, "schema": {"type": "object", "properties": {}}}
    assert refused(add_section, empty, "First").pointer == "/ui/sections/0"
    assert "top level" in refused(add_section, d, "X", fields=["/about/years_in_post"]).message


def test_update_move_delete_sections() -> None:
    d = add_section(sample_app(), "One")
    d = add_section(d, "Two")
    d = add_section(d, "Three", fields=["/name"])
    d = update_section(d, 0, "First", "Start here")
    assert d["ui"]["sections"][0] == {
        "title": "First",
        "description": "Start here",
        "fields": ["has_a_dbs_check", "dbs_number", "role", "about"],
    }
    d = update_section(d, 0, "First", "")
    assert "description" not in d["ui"]["sections"][0]
    d = move_section(d, 2, 0)
    assert names(d) == [
        ("Three", ["name"]),
        ("First", ["has_a_dbs_check", "dbs_number", "role", "about"]),
        ("Two", ["courses"]),
    ]
    assert next(iter(d["schema"]["properties"])) == "name"
    d = delete_section(d, 0)
    assert names(d) == [
        ("First", ["has_a_dbs_check", "dbs_number", "role", "about"]),
        ("Two", ["courses"]),
    ]
    assert list(d["schema"]["properties"])[-1] == "name"  # no section: shown last
    d = delete_section(delete_section(d, 1), 0)
    assert "ui" not in d or "sections" not in d["ui"]
    assert_valid(d)
    assert refused(update_section, d, 3, "X", "").pointer == "/ui/sections/3"


def test_put_in_section_and_moving_across_sections() -> None:
    d = add_section(sample_app(), "One")
    d = add_section(d, "Two")
    d = put_in_section(d, "/name", 1)
    assert names(d) == [
        ("One", ["has_a_dbs_check", "dbs_number", "role", "about"]),
        ("Two", ["courses", "name"]),
    ]
    d = put_in_section(d, "/name", None)
    assert names(d)[1] == ("Two", ["courses"])
    assert list(d["schema"]["properties"])[-1] == "name"
    error = refused(put_in_section, d, "/courses", 0)
    assert "only question in the section “Two”" in error.message
    # Up from the first question of a section joins the section above; down, below.
    d = put_in_section(d, "/name", 1)
    d = move_field(d, "/courses", 3)
    assert names(d) == [
        ("One", ["has_a_dbs_check", "dbs_number", "role", "courses", "about"]),
        ("Two", ["name"]),
    ]
    d = move_field(d, "/about", 5)
    assert names(d)[1] == ("Two", ["name", "about"])
    assert (
        "only question"
        in refused(move_field, add_section(d, "Solo", fields=["/role"]), "/role", 0).message
    )
    assert_valid(d)
