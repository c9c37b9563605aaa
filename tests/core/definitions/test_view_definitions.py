"""The ``views`` member: its shape (meta-schema) and what the semantic checks refuse, each
at its pointer."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

from tests.sample_views import event_log


def refused(change: dict[str, Any]) -> dict[str, str]:
    raw = event_log()
    raw["views"][0].update(change)
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {i.pointer: i.message for i in caught.value.issues}


def test_the_sample_view_is_valid_and_read_through_the_model() -> None:
    definition = validate_definition(event_log())
    assert [v["id"] for v in definition.views] == ["learning"]
    assert validate_definition({**event_log(), "views": []}).views == []
    raw = event_log()
    del raw["views"]
    assert validate_definition(raw).views == []


def test_the_meta_schema_refuses_unknown_members_and_needs_roles_and_fields() -> None:
    raw = event_log()
    raw["views"][0]["organisation"] = True
    del raw["views"][0]["roles"]
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    assert {i.pointer for i in caught.value.issues} == {
        "/views/0/organisation",
        "/views/0/roles",
    }


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ({"fields": ["/event_type", "/nope"]}, "/views/0/fields/1", "there is no field at /nope"),
        ({"fields": ["/actions"]}, "/views/0/fields/0", "/actions/-/<field>"),
        ({"fields": ["/harm", "/description"]}, "/views/0/fields/1", "is free text"),
        ({"fields": ["/reporter_name"]}, "/views/0/fields/0", "only through 'shared_text'"),
        ({"month_fields": ["/harm"]}, "/views/0/month_fields/0", "is not a date"),
        ({"month_fields": ["/noticed_on"]}, "/views/0/month_fields/0", "not among the view"),
        ({"themes": ["/description"]}, "/views/0/themes/0", "has no choices"),
        ({"themes": ["/ghost"]}, "/views/0/themes/0", "there is no field at /ghost"),
        (
            {"shared_text": {"field": "/learning_summary", "only_when": "/harm"}},
            "/views/0/shared_text/only_when",
            "is not a yes/no (boolean) field",
        ),
        (
            {"shared_text": {"field": "/share_learning", "only_when": "/share_learning"}},
            "/views/0/shared_text/field",
            "is not a text field",
        ),
        (
            {"fields": ["/event_type", "/learning_summary"], "month_fields": []},
            "/views/0/shared_text/field",
            "shown even where the reporter did not agree",
        ),
        (
            {"fields": ["/event_type", "/learning_summary"], "month_fields": []},
            "/views/0/fields/1",
            "is free text",
        ),
        ({"states": ["closed", "archived"]}, "/views/0/states/1", "no workflow state 'archived'"),
        ({"states": ["draft"]}, "/views/0/states/0", "submitted records only"),
        (
            {"when": {"properties": {"colour": {"const": "red"}}}},
            "/views/0/when/properties/colour",
            "there is no field 'colour'",
        ),
        ({"when": {"format": "date"}}, "/views/0/when/format", "Conditions cannot use"),
    ],
)
def test_semantic_checks(change: dict[str, Any], pointer: str, words: str) -> None:
    found = refused(change)
    assert pointer in found, found
    assert words in found[pointer]


def test_month_fields_and_themes_in_a_repeating_section_are_refused() -> None:
    found = refused(
        {
            "fields": ["/actions/-/done_on", "/harm"],
            "month_fields": ["/actions/-/done_on"],
            "themes": ["/actions/-/what"],
        }
    )
    assert "in a repeating section" in found["/views/0/month_fields/0"]
    assert "in a repeating section" in found["/views/0/themes/0"]


def test_answers_inside_a_repeating_section_may_be_listed() -> None:
    raw = event_log()
    raw["views"][0]["fields"].append("/actions/-/done_on")
    validate_definition(raw)


def test_view_ids_are_unique() -> None:
    raw = event_log()
    raw["views"].append({**raw["views"][0], "title": "Again"})
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    assert [i.pointer for i in caught.value.issues] == ["/views/1/id"]
