"""Studio edits of details and fields: add, update, move, delete."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.studio.editing import (
    Condition,
    EditRefused,
    FieldSettings,
    add_field,
    add_option,
    add_section,
    add_widget,
    blank_definition,
    condition_questions,
    delete_field,
    delete_option,
    move_field,
    move_option,
    rename_option,
    set_condition,
    set_details,
    update_field,
)
from miniapps.core.studio.field_kinds import kind_of

from tests.core.studio.studio_samples import (
    assert_valid,
    field_pointers,
    real_definitions,
    sample_app,
)


def refused(call: Any, *args: Any, **kwargs: Any) -> EditRefused:
    with pytest.raises(EditRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_blank_definition_is_valid_and_checks_id_and_title() -> None:
    d = blank_definition("staff_check", "  Staff   check ")
    assert_valid(d)
    assert d == {
        "id": "staff_check",
        "title": "Staff check",
        "version": 1,
        "schema": {"type": "object", "properties": {}},
    }
    assert refused(blank_definition, "Staff-check", "X").pointer == "/id"
    assert refused(blank_definition, "x", "  ").message == "give the app a title"
    assert "at most 200" in refused(blank_definition, "x", "t" * 201).message


def test_set_details_sets_and_removes_the_description() -> None:
    d = set_details(sample_app(), title="Wellbeing", description=" About staff. ")
    assert (d["title"], d["description"]) == ("Wellbeing", "About staff.")
    d2 = set_details(d, title="Wellbeing", description="")
    assert "description" not in d2 and d["description"] == "About staff."
    assert refused(set_details, d, title="", description="").pointer == "/title"


def test_add_field_names_from_the_label_uniquely() -> None:
    d = blank_definition("a", "A")
    d, first = add_field(d, kind="text", label="Date of DBS check (UK)")
    d, second = add_field(d, kind="text", label="Date of DBS check \u2013 UK")
    d, third = add_field(d, kind="number", label="2nd dose")
    d, fourth = add_field(d, kind="text", label="Period")
    d, fifth = add_field(d, kind="text", label="??? !!!")
    assert [first, second, third, fourth, fifth] == [
        "/date_of_dbs_check_uk",
        "/date_of_dbs_check_uk_2",
        "/field_2nd_dose",
        "/period_2",
        "/field",
    ]
    second_title = d["schema"]["properties"]["date_of_dbs_check_uk_2"]["title"]
    assert second_title == "Date of DBS check \u2013 UK"
    assert_valid(d)


def test_add_field_into_group_and_repeat_and_refusals() -> None:
    d = sample_app()
    d2, pointer = add_field(d, kind="file", label="Certificate", parent="/courses")
    assert pointer == "/courses/-/certificate"
    assert d2["ui"]["fields"][pointer] == {"widget": "file"}
    d3, pointer = add_field(d2, kind="repeat", label="Reviews", parent="/about")
    d3, inner = add_field(d3, kind="text", label="Reviewer", parent=pointer)
    assert inner == "/about/reviews/-/reviewer"
    assert_valid(d3)
    assert refused(add_field, d, kind="signature", label="X").message.startswith("there is no kind")
    assert "not a group" in refused(add_field, d, kind="text", label="X", parent="/name").message
    assert refused(add_field, d, kind="text", label="   ").message == "give the question a label"
    assert "courses" not in str(
        d["schema"]["properties"]["courses"]["items"]["properties"].get("certificate")
    )


def test_edits_never_change_their_input() -> None:
    d = sample_app()
    before = copy.deepcopy(d)
    add_field(d, kind="text", label="More")
    update_field(d, "/name", FieldSettings(label="Full name", required=True, max_length=50))
    move_field(d, "/role", 0)
    delete_field(d, "/about")
    assert d == before


def test_update_field_settings() -> None:
    d = sample_app()
    d = update_field(
        d,
        "/name",
        FieldSettings(label="Full name", hint="As on the rota", required=True, max_length=80),
    )
    prop = d["schema"]["properties"]["name"]
    assert prop == {
        "type": "string",
        "title": "Full name",
        "description": "As on the rota",
        "maxLength": 80,
    }
    assert d["schema"]["required"] == ["name"]
    d = update_field(d, "/name", FieldSettings(hint=None, required=False, max_length=None))
    assert d["schema"]["properties"]["name"] == {"type": "string", "title": "Full name"}
    assert "required" not in d["schema"]
    d = update_field(
        d, "/about/years_in_post", FieldSettings(minimum=0, maximum=60.0, required=True)
    )
    about = d["schema"]["properties"]["about"]
    assert about["properties"]["years_in_post"] | {} == {
        "type": "integer",
        "title": "Years in post",
        "minimum": 0,
        "maximum": 60,
    }
    assert about["required"] == ["years_in_post"]
    d = update_field(d, "/courses", FieldSettings(required=True))
    assert d["schema"]["properties"]["courses"]["minItems"] == 1
    d = update_field(d, "/courses", FieldSettings(required=False))
    assert "minItems" not in d["schema"]["properties"]["courses"]
    d = update_field(d, "/name", FieldSettings(widget="textarea", rows=4))
    assert d["ui"]["fields"]["/name"] == {"widget": "textarea", "rows": 4}
    assert kind_of(d, "/name") == "long_text"
    d = update_field(d, "/name", FieldSettings(widget=None))
    assert d["ui"]["fields"]["/name"] == {"widget": "textarea", "rows": 4}
    d = update_field(d, "/name", FieldSettings(widget="text"))
    assert d["ui"]["fields"]["/name"] == {"widget": "text"}
    assert kind_of(d, "/name") == "text"
    d = update_field(d, "/courses/-/course_name", FieldSettings(pattern="^[A-Z].*$"))
    assert d["schema"]["properties"]["courses"]["items"]["properties"]["course_name"]["pattern"]
    assert_valid(d)


@pytest.mark.parametrize(
    ("pointer", "settings", "words"),
    [
        ("/name", FieldSettings(pattern="(a+)+$"), "more than one way"),
        ("/name", FieldSettings(pattern="([a-z]"), "pattern"),
        ("/name", FieldSettings(minimum=3), "does not apply"),
        ("/about/years_in_post", FieldSettings(minimum=5, maximum=1), "above the maximum"),
        ("/about/years_in_post", FieldSettings(minimum=1.5), "whole number"),
        ("/name", FieldSettings(min_length=9, max_length=2), "above the longest"),
        ("/name", FieldSettings(max_length=0), "at least 1"),
        ("/name", FieldSettings(rows=3), "several lines"),
        ("/name", FieldSettings(label=""), "label"),
        ("/role", FieldSettings(widget="checkboxes"), "radios, select"),
        ("/missing", FieldSettings(label="X"), "there is no field"),
    ],
)
def test_update_field_refusals_name_the_field(
    pointer: str, settings: FieldSettings, words: str
) -> None:
    error = refused(update_field, sample_app(), pointer, settings)
    assert error.pointer == pointer
    assert words in error.message


def test_update_field_ignores_blank_settings_that_do_not_apply() -> None:
    d = update_field(sample_app(), "/has_a_dbs_check", FieldSettings(minimum=None, pattern=None))
    assert d == sample_app()


def test_move_field_within_its_object_and_clamps() -> None:
    d = sample_app()
    d = move_field(d, "/role", 0)
    assert list(d["schema"]["properties"])[:2] == ["role", "name"]
    d = move_field(d, "/role", 99)
    assert list(d["schema"]["properties"])[-1] == "role"
    d = move_field(d, "/courses/-/completed_on", -5)
    assert list(d["schema"]["properties"]["courses"]["items"]["properties"]) == [
        "completed_on",
        "course_name",
    ]
    assert_valid(d)


def test_move_field_keeps_a_conditional_question_after_its_question() -> None:
    d = sample_app()
    d = set_condition(d, "/dbs_number", Condition("/has_a_dbs_check", True))
    error = refused(move_field, d, "/dbs_number", 0)
    assert error.message == (
        "“DBS number” is shown depending on the answer to “Has a DBS check”, so it must come "
        "after “Has a DBS check”"
    )
    assert "must come after" in refused(move_field, d, "/has_a_dbs_check", 5).message
    assert list(move_field(d, "/name", 4)["schema"]["properties"])[:4] == [
        "has_a_dbs_check",
        "dbs_number",
        "role",
        "about",
    ]


def test_move_field_drops_ui_order_of_its_siblings() -> None:
    d = sample_app()
    d["ui"] = {"order": ["role", "/name", "/courses/-/completed_on"]}
    assert_valid(d)
    moved = move_field(d, "/about", 0)
    assert moved["ui"]["order"] == ["/courses/-/completed_on"]
    assert list(moved["schema"]["properties"])[:3] == ["about", "role", "name"]


def test_delete_field_cleans_up_required_ui_and_sections() -> None:
    d = sample_app()
    d = update_field(d, "/courses/-/course_name", FieldSettings(required=True, widget="textarea"))
    d = add_section(d, "Everything")
    d = delete_field(d, "/courses/-/course_name")
    items = d["schema"]["properties"]["courses"]["items"]
    assert "required" not in items and "course_name" not in items["properties"]
    assert "/courses/-/course_name" not in (d.get("ui") or {}).get("fields", {})
    d = delete_field(d, "/courses")
    assert "courses" not in d["ui"]["sections"][0]["fields"]
    assert_valid(d)


def test_deleting_the_last_question_of_a_section_removes_the_section() -> None:
    d = add_section(sample_app(), "First")
    d = add_section(d, "Last")
    assert d["ui"]["sections"][1]["fields"] == ["courses"]
    d = delete_field(d, "/courses")
    assert [s["title"] for s in d["ui"]["sections"]] == ["First"]
    assert_valid(d)


def test_delete_field_refused_while_used() -> None:
    d = sample_app()
    d = set_condition(d, "/dbs_number", Condition("/has_a_dbs_check", True))
    d = add_widget(d, "answers_chart", field="/role", title="Roles")
    d["workflow"] = {
        "initial": "draft",
        "states": {"draft": {"title": "Draft"}, "done": {"title": "Done", "final": True}},
        "transitions": [
            {
                "action": "submit",
                "title": "Send in",
                "from": ["draft"],
                "to": "done",
                "requires_fields": ["/about/years_in_post"],
            }
        ],
    }
    d["schema"]["if"] = {"required": ["name"], "properties": {"name": {"const": "x"}}}
    d["schema"]["then"] = {"required": ["courses"]}
    assert_valid(d)
    cases = {
        "/has_a_dbs_check": "the condition of “DBS number”",
        "/role": "the dashboard widget “Roles”",
        "/about": "the workflow step “Send in”",
        "/about/years_in_post": "the workflow step “Send in”",
        "/name": "a rule written in JSON",
        "/courses": "a rule written in JSON",
    }
    for pointer, words in cases.items():
        error = refused(delete_field, d, pointer)
        assert error.pointer == pointer
        assert words in error.message and "change or remove those first" in error.message
    assert_valid(delete_field(d, "/dbs_number"))


def test_delete_field_refused_by_the_validator_for_other_members() -> None:
    d = sample_app()
    d["unique"] = [{"fields": ["/name"], "message": "One per name"}]
    try:
        assert_valid(d)
    except Exception:
        pytest.skip("unique has another shape")
    error = refused(delete_field, d, "/name")
    assert "/unique" in error.message


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_field_edits_on_real_apps_keep_them_valid(name: str, definition: dict[str, Any]) -> None:
    """Every field of every bundled app: moved first and last, relabelled, deleted: each
    edit is refused with a reason or gives a valid definition."""
    before = copy.deepcopy(definition)
    outcomes = {"ok": 0, "refused": 0}
    for pointer in field_pointers(definition):
        edits = [
            lambda p=pointer: move_field(definition, p, 0),
            lambda p=pointer: move_field(definition, p, 999),
            lambda p=pointer: update_field(definition, p, FieldSettings(label="Renamed", hint="")),
            lambda p=pointer: delete_field(definition, p),
        ]
        for edit in edits:
            try:
                result = edit()
            except EditRefused as exc:
                assert exc.message and exc.pointer == pointer
                outcomes["refused"] += 1
                continue
            assert_valid(result)
            outcomes["ok"] += 1
    assert definition == before
    assert outcomes["ok"] > 0, name


def test_rows_on_a_long_text_without_a_widget_show_it_as_several_lines() -> None:
    d = sample_app()
    d["schema"]["properties"]["notes"] = {"type": "string", "title": "Notes", "maxLength": 10_000}
    assert kind_of(d, "/notes") == "long_text"
    d = update_field(d, "/notes", FieldSettings(rows=6))
    assert d["ui"]["fields"]["/notes"] == {"widget": "textarea", "rows": 6}
    assert_valid(d)


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_choice_and_condition_edits_on_real_apps_keep_them_valid(
    name: str, definition: dict[str, Any]
) -> None:
    """Every choice question of every bundled app gets a choice added, renamed, moved and
    deleted; every question the first condition it may have: refused or valid."""
    before = copy.deepcopy(definition)
    done = tried = 0
    for pointer in field_pointers(definition):
        edits: list[Any] = []
        if kind_of(definition, pointer) in ("one_choice", "several_choices"):
            field = find_field(definition["schema"], pointer)
            assert field is not None
            first, last = field.choices[0][0], field.choices[-1][0]
            edits += [
                lambda p=pointer: add_option(definition, p, "A brand new choice"),
                lambda p=pointer, v=first: rename_option(definition, p, v, "Renamed choice"),
                lambda p=pointer, v=first: move_option(definition, p, v, 99),
                lambda p=pointer, v=last: delete_option(definition, p, v),
            ]
        offered = condition_questions(definition, pointer)
        if offered:
            question, _, answers = offered[0]
            condition = Condition(question, answers[-1][0], negate=True)
            edits.append(lambda p=pointer, c=condition: set_condition(definition, p, c))
        for edit in edits:
            tried += 1
            try:
                result = edit()
            except EditRefused as exc:
                assert exc.message
                continue
            assert_valid(result)
            done += 1
    assert definition == before
    assert done > 0 or not tried, name
