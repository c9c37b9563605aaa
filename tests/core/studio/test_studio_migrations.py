"""Migration choices: suggested from two versions, written as the engine's ``migration``,
and accepted by the engine's compatibility check and data migration."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.schema_changes import breaking_changes, migrate_data
from miniapps.core.studio.editing import (
    EditRefused,
    FieldSettings,
    add_field,
    add_option,
    delete_field,
    delete_option,
    rename_option,
    update_field,
)
from miniapps.core.studio.migration_choices import (
    MigrationChoice,
    apply_choices,
    default_value,
    suggest_choices,
)

from tests.core.studio.studio_samples import sample_app


def published() -> dict[str, Any]:
    d = sample_app()
    d, _ = add_field(d, kind="long_text", label="Notes")
    d = rename_option(d, "/role", "option_1", "GP")
    return rename_option(d, "/role", "option_2", "HCA")


def changed(old: dict[str, Any]) -> dict[str, Any]:
    d = dict(old, version=2)
    d = delete_field(d, "/notes")
    d, _ = add_field(d, kind="long_text", label="Comments")
    d = add_option(d, "/role", "Nurse")
    d = delete_option(d, "/role", "option_2")
    d, _ = add_field(d, kind="text", label="Site")
    return update_field(d, "/site", FieldSettings(required=True))


def test_suggestions_for_a_rename_a_removed_choice_and_a_new_required_question() -> None:
    old = published()
    suggestions = suggest_choices(old, changed(old))
    assert [(s.kind, s.field, s.old, s.new) for s in suggestions] == [
        ("rename", "notes", None, "comments"),
        ("map_value", "role", "option_2", None),
        ("default", "site", None, None),
    ]
    rename, value, default = suggestions
    assert rename.options == (("comments", "Comments"),)
    assert rename.sentence == (
        "The question “Notes” was removed: move its answers to another question?"
    )
    assert value.options == (("option_1", "GP"), ("nurse", "Nurse"))
    assert value.sentence == (
        "The choice “HCA” of “Role” was removed: what should stored answers become?"
    )
    assert default.field_kind == "text"
    assert default.sentence.startswith("“Site” is now required")


def test_applied_choices_pass_the_engine_and_carry_records() -> None:
    old = published()
    new = changed(old)
    refused = breaking_changes(validate_definition(old), validate_definition(new))
    assert "field_removed" in {i.code for i in refused}
    assert "required_without_default" in {i.code for i in refused}
    rename, value, default = suggest_choices(old, new)
    chosen = [rename, value.chosen("nurse"), default.chosen(default_value(new, "site", "Main"))]
    migrated = apply_choices(new, 1, chosen)
    assert migrated["migration"] == {
        "from_version": 1,
        "rename": {"notes": "comments"},
        "map_values": {"role": {"option_2": "nurse"}},
        "defaults": {"site": "Main"},
    }
    assert breaking_changes(validate_definition(old), validate_definition(migrated)) == []
    record = {"name": "Ann", "role": "option_2", "notes": "Part time"}
    assert migrate_data(record, migrated["migration"], migrated["schema"]) == {
        "name": "Ann",
        "role": "nurse",
        "comments": "Part time",
        "site": "Main",
    }
    # Suggested again from the draft with its migration, the choices come back chosen.
    again = suggest_choices(old, migrated)
    assert [s.new for s in again] == ["comments", "nurse", "Main"]
    assert "migration" not in apply_choices(migrated, 1, [])


def test_choices_left_unchosen_are_not_written() -> None:
    old = published()
    new = changed(old)
    suggestions = [s.chosen(None) for s in suggest_choices(old, new)]
    assert "migration" not in apply_choices(new, 1, suggestions)


def test_relabelled_values_and_same_labels_are_guessed() -> None:
    old = published()
    new = dict(old, version=2)
    new = add_option(delete_option(new, "/role", "option_2"), "/role", "Hca")
    (choice,) = suggest_choices(old, new)
    assert (choice.kind, choice.old, choice.new) == ("map_value", "option_2", "hca")


def test_no_suggestions_between_equal_versions() -> None:
    assert suggest_choices(published(), published()) == []


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("site", " Main ", "Main"),
        ("has_a_dbs_check", "Yes", True),
        ("has_a_dbs_check", "false", False),
        ("role", "GP", "option_1"),
        ("role", "option_1", "option_1"),
    ],
)
def test_default_values_are_typed(field: str, text: str, value: Any) -> None:
    d, _ = add_field(published(), kind="text", label="Site")
    assert default_value(d, field, text) == value


def test_default_values_for_numbers_and_dates() -> None:
    d, _ = add_field(published(), kind="number", label="Hours")
    d, _ = add_field(d, kind="whole_number", label="Staff")
    d, _ = add_field(d, kind="date", label="Start")
    assert default_value(d, "hours", "7.5") == 7.5
    assert default_value(d, "hours", "8") == 8
    assert default_value(d, "staff", "1,200") == 1200
    assert default_value(d, "start", "2026-04-01") == "2026-04-01"
    for field, text, words in [
        ("staff", "many", "needs a number"),
        ("start", "1 April", "needs a date"),
        ("has_a_dbs_check", "maybe", "Yes or No"),
        ("role", "Nurse", "not a choice"),
        ("nothing", "x", "there is no question"),
        ("staff", " ", "give the value"),
    ]:
        with pytest.raises(EditRefused) as caught:
            default_value(d, field, text)
        assert words in caught.value.message


def test_apply_choices_refuses_what_the_new_version_lacks() -> None:
    new = changed(published())
    with pytest.raises(EditRefused, match="no question 'gone'"):
        apply_choices(new, 1, [MigrationChoice("rename", "notes", "", new="gone")])
    with pytest.raises(EditRefused, match="not a choice"):
        apply_choices(new, 1, [MigrationChoice("map_value", "role", "", old="x", new="vet")])
