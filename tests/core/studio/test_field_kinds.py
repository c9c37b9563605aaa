"""The studio's field kinds: the menu, what each writes, and reading kinds back."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.studio.editing import add_field, blank_definition
from miniapps.core.studio.field_kinds import FIELD_KINDS, kind_of, new_field

from tests.core.studio.studio_samples import field_pointers, real_definitions

EXPECTED = [
    "text",
    "long_text",
    "number",
    "whole_number",
    "date",
    "date_time",
    "yes_no",
    "one_choice",
    "several_choices",
    "file",
    "group",
    "repeat",
]


def test_the_menu_has_exactly_the_kinds_in_order() -> None:
    assert list(FIELD_KINDS) == EXPECTED
    for key, kind in FIELD_KINDS.items():
        assert kind.id == key
        assert kind.label and kind.hint.endswith(".")


@pytest.mark.parametrize("kind", EXPECTED)
@pytest.mark.parametrize("parent", ["", "/group", "/repeat"])
def test_each_kind_added_anywhere_is_valid_and_reads_back(kind: str, parent: str) -> None:
    d = blank_definition("kinds", "Kinds")
    d, _ = add_field(d, kind="group", label="Group")
    d, _ = add_field(d, kind="repeat", label="Repeat")
    d, pointer = add_field(d, kind=kind, label="The question", parent=parent)
    validate_definition(d)
    assert kind_of(d, pointer) == kind
    expected_parent = {"": "", "/group": "/group", "/repeat": "/repeat/-"}[parent]
    assert pointer == f"{expected_parent}/the_question"


def definition_with(prop: dict[str, Any], ui: dict[str, Any] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": "k",
        "title": "K",
        "version": 1,
        "schema": {"type": "object", "properties": {"q": prop}, "$defs": {"x": {"type": "string"}}},
    }
    if ui is not None:
        d["ui"] = {"fields": {"/q": ui}}
    return d


@pytest.mark.parametrize(
    ("prop", "ui", "kind"),
    [
        ({"type": "string"}, None, "text"),
        ({"type": "string", "format": "email"}, {"widget": "email"}, "text"),
        ({"type": "string", "maxLength": 500}, None, "long_text"),
        ({"type": "string", "maxLength": 500}, {"widget": "text"}, "text"),
        ({"type": "string"}, {"widget": "textarea"}, "long_text"),
        ({"type": "string"}, {"widget": "file"}, "file"),
        ({"type": "string", "format": "date"}, {"widget": "text"}, "date"),
        ({"type": "string", "format": "date-time"}, None, "date_time"),
        ({"type": "number"}, None, "number"),
        ({"type": "integer"}, None, "whole_number"),
        ({"type": "boolean"}, {"widget": "checkbox"}, "yes_no"),
        ({"type": "string", "enum": ["a", "b"]}, None, "one_choice"),
        ({"oneOf": [{"const": "a", "title": "A"}]}, {"widget": "select"}, "one_choice"),
        (
            {"type": "array", "uniqueItems": True, "items": {"enum": ["a", "b"]}},
            None,
            "several_choices",
        ),
        ({"type": "object", "properties": {}}, None, "group"),
        ({"type": "array", "items": {"type": "object", "properties": {}}}, None, "repeat"),
        # What the studio leaves to the JSON tab:
        ({"type": "string"}, {"widget": "person"}, None),
        ({"type": "string"}, {"widget": "organisation"}, None),
        ({"type": "integer", "x-record-of": "other_app"}, None, None),
        ({"$ref": "#/$defs/x"}, None, None),
        ({"type": ["string", "number"]}, None, None),
        ({"type": "integer", "enum": [1, 2, 3]}, None, None),
        ({"anyOf": [{"const": "a", "title": "A"}]}, None, None),
        ({"type": "array", "items": {"type": "string"}}, None, None),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, None, None),
        ({"type": "array", "items": {"$ref": "#/$defs/x"}}, None, None),
    ],
)
def test_kind_of_reads_what_a_developer_writes(
    prop: dict[str, Any], ui: dict[str, Any] | None, kind: str | None
) -> None:
    assert kind_of(definition_with(prop, ui), "/q") == kind


def test_kind_of_follows_item_pointers_and_missing_fields() -> None:
    d = blank_definition("k", "K")
    d, _ = add_field(d, kind="repeat", label="Courses")
    d, pointer = add_field(d, kind="date", label="Done on", parent="/courses")
    assert kind_of(d, "/courses/0/done_on") == "date"
    assert kind_of(d, pointer) == "date"
    assert kind_of(d, "/courses/-/missing") is None
    assert kind_of(d, "/missing") is None
    assert kind_of(d, "") is None
    assert kind_of(d, "/courses/x/done_on") is None


def test_new_field_refuses_an_unknown_kind() -> None:
    with pytest.raises(KeyError):
        new_field("signature", "Sign here")


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_kind_of_reads_every_field_of_the_bundled_apps(
    name: str, definition: dict[str, Any]
) -> None:
    kinds = [kind_of(definition, pointer) for pointer in field_pointers(definition)]
    assert all(k is None or k in FIELD_KINDS for k in kinds)
    # Most real fields are ones the studio edits visually.
    assert sum(k is not None for k in kinds) >= len(kinds) // 2, name
