"""Changing a question's kind and its stored name; fewest and most items."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.studio.change_words import describe_changes
from miniapps.core.studio.editing import (
    Condition,
    EditRefused,
    FieldSettings,
    add_field,
    add_section,
    add_widget,
    change_kind,
    put_in_section,
    rename_field,
    set_condition,
    update_field,
)
from miniapps.core.studio.field_kinds import FIELD_KINDS, field_ui, kind_of, property_at

from tests.core.studio.studio_samples import assert_valid, real_definitions, sample_app


def refused(call: Any, *args: Any, **kwargs: Any) -> EditRefused:
    with pytest.raises(EditRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_text_to_long_text_and_back_keeps_settings() -> None:
    d = update_field(
        sample_app(),
        "/name",
        FieldSettings(hint="Full name", required=True, max_length=80, pattern="^[A-Za-z ]+$"),
    )
    longer = change_kind(d, "/name", "long_text")
    assert kind_of(longer, "/name") == "long_text"
    schema = property_at(longer, "/name") or {}
    assert schema["title"] == "Name" and schema["description"] == "Full name"
    assert schema["maxLength"] == 80 and schema["pattern"] == "^[A-Za-z ]+$"
    assert "name" in longer["schema"]["required"]
    assert_valid(longer)
    back = change_kind(longer, "/name", "text")
    assert (
        kind_of(back, "/name") == "text" and (property_at(back, "/name") or {})["maxLength"] == 80
    )
    assert d == update_field(
        sample_app(),
        "/name",
        FieldSettings(hint="Full name", required=True, max_length=80, pattern="^[A-Za-z ]+$"),
    )  # the input is never changed


def test_long_text_with_a_long_limit_becomes_text() -> None:
    d, pointer = add_field(sample_app(), kind="long_text", label="Notes")
    short = change_kind(d, pointer, "text")
    assert kind_of(short, pointer) == "text"
    assert field_ui(short, pointer).get("widget") == "text"
    assert_valid(short)


def test_numbers_keep_bounds_that_fit() -> None:
    d = update_field(sample_app(), "/about/years_in_post", FieldSettings(minimum=0, maximum=60))
    as_number = change_kind(d, "/about/years_in_post", "number")
    schema = property_at(as_number, "/about/years_in_post") or {}
    assert schema["type"] == "number" and (schema["minimum"], schema["maximum"]) == (0, 60)
    halves = update_field(as_number, "/about/years_in_post", FieldSettings(maximum=60.5))
    whole = change_kind(halves, "/about/years_in_post", "whole_number")
    schema = property_at(whole, "/about/years_in_post") or {}
    assert schema["type"] == "integer" and schema["minimum"] == 0 and "maximum" not in schema
    assert_valid(whole)


def test_one_choice_to_several_and_back_keeps_choices() -> None:
    d = sample_app()
    several = change_kind(d, "/role", "several_choices")
    assert kind_of(several, "/role") == "several_choices"
    schema = property_at(several, "/role") or {}
    assert [o["const"] for o in schema["items"]["oneOf"]] == ["option_1", "option_2"]
    assert_valid(several)
    one = change_kind(several, "/role", "one_choice")
    assert (property_at(one, "/role") or {})["oneOf"] == schema["items"]["oneOf"]
    assert_valid(one)


def test_text_to_one_choice_starts_with_two_choices() -> None:
    d = update_field(sample_app(), "/dbs_number", FieldSettings(max_length=12))
    chosen = change_kind(d, "/dbs_number", "one_choice")
    schema = property_at(chosen, "/dbs_number") or {}
    assert len(schema["oneOf"]) == 2 and "maxLength" not in schema
    assert_valid(chosen)


@pytest.mark.parametrize("kind", [k for k in FIELD_KINDS if k not in ("group", "repeat")])
def test_every_simple_kind_from_text_validates(kind: str) -> None:
    changed = change_kind(sample_app(), "/courses/-/course_name", kind)
    assert kind_of(changed, "/courses/-/course_name") == kind
    assert_valid(changed)


def test_kind_change_keeps_condition_and_section() -> None:
    d = set_condition(sample_app(), "/dbs_number", Condition("/has_a_dbs_check", True))
    d = add_section(d, "Checks")
    d = put_in_section(d, "/dbs_number", 0)
    changed = change_kind(d, "/dbs_number", "long_text")
    assert field_ui(changed, "/dbs_number")["show_if"] == field_ui(d, "/dbs_number")["show_if"]
    assert changed["ui"]["sections"] == d["ui"]["sections"]


def test_kind_change_refusals_name_the_question() -> None:
    d = set_condition(sample_app(), "/dbs_number", Condition("/has_a_dbs_check", True))
    used = refused(change_kind, d, "/has_a_dbs_check", "text")
    assert used.pointer == "/has_a_dbs_check" and "condition" in used.message
    assert "Has a DBS check" in used.message
    assert "keep their kind" in refused(change_kind, d, "/about", "repeat").message
    assert "keep their kind" in refused(change_kind, d, "/name", "group").message
    assert refused(change_kind, d, "/name", "colour").pointer == "/name"


def test_change_words_say_retyped() -> None:
    d = sample_app()
    lines = describe_changes(d, change_kind(d, "/about/years_in_post", "number"))
    assert lines == ["“Years in post” changed from whole number to number."]
    lines = describe_changes(d, change_kind(d, "/name", "one_choice"))
    assert lines == ["“Name” changed from text to one choice."]


def test_rename_in_a_new_app_follows_every_reference() -> None:
    d = set_condition(sample_app(), "/dbs_number", Condition("/has_a_dbs_check", True))
    d = update_field(d, "/has_a_dbs_check", FieldSettings(required=True))
    d = add_section(d, "Checks")
    d = put_in_section(d, "/has_a_dbs_check", 0)
    d = add_widget(d, "answers_chart", field="/has_a_dbs_check")
    d["workflow"] = {"transitions": [{"action": "x", "requires_fields": ["/has_a_dbs_check"]}]}
    renamed = rename_field(d, "/has_a_dbs_check", "dbs_checked")
    assert "has_a_dbs_check" not in renamed["schema"]["properties"]
    assert list(renamed["schema"]["properties"])[1] == "dbs_checked"  # same place
    assert "dbs_checked" in renamed["schema"]["required"]
    show_if = field_ui(renamed, "/dbs_number")["show_if"]
    assert show_if == {"required": ["dbs_checked"], "properties": {"dbs_checked": {"const": True}}}
    listed = [str(e).lstrip("/") for e in renamed["ui"]["sections"][0]["fields"]]
    assert "dbs_checked" in listed and "has_a_dbs_check" not in listed
    assert renamed["dashboard"]["widgets"][0]["group_by"] == "/dbs_checked"
    assert renamed["workflow"]["transitions"][0]["requires_fields"] == ["/dbs_checked"]
    assert "/has_a_dbs_check" not in renamed["ui"]["fields"]
    assert "migration" not in renamed


def test_rename_nested_in_a_new_app() -> None:
    d = rename_field(sample_app(), "/courses/-/course_name", "title")
    assert "title" in d["schema"]["properties"]["courses"]["items"]["properties"]
    assert_valid(d)


def test_rename_refusals_name_the_field() -> None:
    d = sample_app()
    for bad in ("Name 2", "2name", "naïve", ""):
        found = refused(rename_field, d, "/name", bad)
        assert found.pointer == "/name" and "lower-case" in found.message
    assert "already stored" in refused(rename_field, d, "/name", "role").message
    assert "platform" in refused(rename_field, d, "/name", "period").message


def published_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    published = sample_app()
    draft = dict(published, version=2)
    return published, draft


def test_rename_in_a_published_app_writes_the_migration() -> None:
    published, draft = published_pair()
    renamed = rename_field(draft, "/name", "full_name", published=published)
    assert renamed["migration"] == {"from_version": 1, "rename": {"name": "full_name"}}
    assert_valid(renamed)
    again = rename_field(renamed, "/full_name", "staff_name", published=published)
    assert again["migration"]["rename"] == {"name": "staff_name"}
    back = rename_field(again, "/staff_name", "name", published=published)
    assert "migration" not in back
    lines = describe_changes(published, renamed)
    assert lines == ["“Name” is now stored as “full_name” (was “name”): its answers are kept."]


def test_rename_of_a_new_question_in_a_published_app_needs_no_migration() -> None:
    published, draft = published_pair()
    draft, pointer = add_field(draft, kind="text", label="Extra")
    draft, nested = add_field(draft, kind="text", label="Provider", parent="/courses")
    renamed = rename_field(draft, pointer, "more", published=published)
    renamed = rename_field(renamed, nested, "course_provider", published=published)
    assert "migration" not in renamed


def test_rename_nested_published_is_refused_saying_why() -> None:
    published, draft = published_pair()
    found = refused(rename_field, draft, "/courses/-/course_name", "title", published=published)
    assert found.pointer == "/courses/-/course_name"
    assert "top-level" in found.message


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_rename_every_top_field_of_real_apps(name: str, definition: dict[str, Any]) -> None:
    for key in list(definition["schema"].get("properties") or {}):
        if kind_of(definition, f"/{key}") is None:
            continue
        try:
            renamed = rename_field(definition, f"/{key}", f"{key}_x")
        except EditRefused as exc:  # e.g. a name grown past 64 characters
            pytest.fail(f"{name}: {exc}")
        assert_valid(renamed)


def test_fewest_and_most_items() -> None:
    d = update_field(sample_app(), "/courses", FieldSettings(min_items=2, max_items=5))
    schema = property_at(d, "/courses") or {}
    assert (schema["minItems"], schema["maxItems"]) == (2, 5)
    assert_valid(d)
    cleared = update_field(d, "/courses", FieldSettings(min_items=None, max_items=None))
    assert "minItems" not in (property_at(cleared, "/courses") or {})
    required = update_field(cleared, "/courses", FieldSettings(required=True, min_items=None))
    assert (property_at(required, "/courses") or {})["minItems"] == 1
    assert "above" in refused(update_field, d, "/courses", FieldSettings(min_items=6)).message
    assert "at least 1" in refused(update_field, d, "/courses", FieldSettings(max_items=0)).message
    other = refused(update_field, d, "/name", FieldSettings(min_items=1))
    assert "does not apply" in other.message


def test_rename_a_group_moves_its_questions_settings() -> None:
    d = update_field(sample_app(), "/about/years_in_post", FieldSettings(widget="number"))
    d = set_condition(d, "/about/years_in_post", None)
    renamed = rename_field(d, "/about", "background")
    assert renamed["ui"]["fields"]["/background/years_in_post"] == {"widget": "number"}
    assert "/about/years_in_post" not in renamed["ui"]["fields"]
    assert_valid(renamed)


def test_change_kind_on_real_apps_validates_or_is_refused() -> None:
    for name, definition in real_definitions()[:6]:
        for pointer in list(definition["schema"].get("properties") or {})[:3]:
            if kind_of(definition, f"/{pointer}") in (None, "group", "repeat"):
                continue
            for kind in ("text", "long_text", "one_choice"):
                try:
                    assert_valid(change_kind(definition, f"/{pointer}", kind))
                except EditRefused as exc:
                    assert exc.pointer == f"/{pointer}", name
