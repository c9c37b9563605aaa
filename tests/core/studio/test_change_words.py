"""Changes between two versions of a definition, in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.studio.change_words import describe_changes
from miniapps.core.studio.editing import (
    Condition,
    FieldSettings,
    add_field,
    add_option,
    add_section,
    add_widget,
    delete_field,
    delete_option,
    rename_option,
    set_condition,
    set_details,
    set_period,
    set_workflow,
    update_field,
)
from miniapps.core.studio.migration_choices import apply_choices, suggest_choices

from tests.core.studio.studio_samples import real_definitions, sample_app


def test_no_changes_no_words() -> None:
    assert describe_changes(sample_app(), sample_app()) == []


def test_questions_added_removed_relabelled_retyped_required() -> None:
    old = sample_app()
    new, _ = add_field(old, kind="date", label="Start date")
    new, _ = add_field(new, kind="text", label="Notes", parent="/courses")
    new = delete_field(new, "/dbs_number")
    new = delete_field(new, "/about")
    new = update_field(new, "/name", FieldSettings(label="Full name", required=True))
    new = update_field(new, "/courses/-/course_name", FieldSettings(widget="textarea"))
    assert describe_changes(old, new) == [
        "The question “Name” is now labelled “Full name”.",
        "“Full name” is now required.",
        "“Course name” changed from text to long text.",
        "Added the question “Notes” in “Courses” (text).",
        "Added the question “Start date” (date).",
        "Removed the question “DBS number”.",
        "Removed the question “About”.",
    ]


def test_choices_and_conditions() -> None:
    old = sample_app()
    new = add_option(old, "/role", "Nurse")
    new = rename_option(new, "/role", "option_1", "GP")
    new = delete_option(new, "/role", "option_2")
    new = set_condition(new, "/dbs_number", Condition("/has_a_dbs_check", True))
    assert describe_changes(old, new) == [
        "“DBS number”: shown only when “Has a DBS check” is “Yes”.",
        "“Role”: the choice “Option 1” is now labelled “GP”.",
        "“Role”: added the choice “Nurse”.",
        "“Role”: removed the choice “Option 2”.",
    ]
    assert describe_changes(new, old)[0] == "“DBS number” is now always shown."


def test_a_rename_and_a_value_map_from_the_migration() -> None:
    old = sample_app()
    new = dict(old, version=2)
    new = delete_field(new, "/dbs_number")
    new, _ = add_field(new, kind="text", label="DBS certificate number")
    new = add_option(delete_option(new, "/role", "option_2"), "/role", "Nurse")
    rename, value = suggest_choices(old, new)
    new = apply_choices(new, 1, [rename, value.chosen("nurse")])
    assert describe_changes(old, new) == [
        "“Role”: added the choice “Nurse”.",
        "“Role”: removed the choice “Option 2” (stored answers become “Nurse”).",
        "Renamed “DBS number” to “DBS certificate number”: its answers are kept.",
    ]


def test_title_period_workflow_widgets_sections_and_other_members() -> None:
    old = sample_app()
    new = set_details(old, title="Staff wellbeing", description="Monthly")
    new = add_section(new, "All")
    new = set_period(new, frequency="monthly", due_day=5)
    new = set_workflow(new, "submit_only")
    new = add_widget(new, "latest_table")
    new["permissions"] = {"read": ["practice_manager"]}
    assert describe_changes(old, new) == [
        "The title changed from “Staff check” to “Staff wellbeing”.",
        "The description changed.",
        "The sections changed.",
        "It is now a monthly return.",
        "The workflow changed from “Submit and approve” to “Submit only”.",
        "Added the dashboard widget “Latest records”.",
        "Also changed (in the JSON): permissions.",
    ]
    later = set_period(new, frequency="weekly", due_day=1, several=True)
    assert describe_changes(new, later) == ["The period changed from monthly to weekly."]
    again = set_period(new, frequency="monthly", due_day=9, several=True)
    assert describe_changes(new, again) == [
        "Returns are now due on day 9.",
        "Several records per period are now allowed.",
    ]
    assert describe_changes(new, set_period(new, frequency="none")) == [
        "It is no longer a periodic return."
    ]
    assert "Removed the dashboard widget “Latest records”." in describe_changes(new, old)


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_describing_real_apps_against_a_blank_one(name: str, definition: dict[str, Any]) -> None:
    blank = {
        "id": definition["id"],
        "title": definition["title"],
        "version": 1,
        "schema": {"type": "object", "properties": {}},
    }
    added = describe_changes(blank, definition)
    removed = describe_changes(definition, blank)
    assert added and removed
    assert all(line.endswith(".") for line in added + removed)
    assert describe_changes(definition, definition) == []
