"""Names, choice values and condition order a definition must get right (issue 16's bad
input): each refused at its pointer, by the one validator every entry point uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import (
    definition_from_text,
    read_definition,
    validate_definition,
)
from miniapps.core.errors import DefinitionInvalid


def definition(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"id": "checks", "title": "Checks", "version": 1, "schema": schema} | more


def problems(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("Bad Name", "bad_name"), ("2nd_dose", "field_2nd_dose"), ("dose-2", "dose_2")],
)
def test_a_field_name_that_is_not_a_machine_name_is_refused(name: str, suggestion: str) -> None:
    found = problems(definition({name: {"type": "string"}}))
    assert f"like “{suggestion}”" in found[f"/schema/properties/{name}"]


def test_a_nested_field_name_is_checked_too() -> None:
    group = {"type": "object", "properties": {"Post Code": {"type": "string"}}}
    found = problems(definition({"address": group}))
    assert "/schema/properties/address/properties/Post Code" in found


@pytest.mark.parametrize("name", ["ods", "org", "period", "ods_code"])
def test_a_top_level_field_named_like_an_import_column_is_refused(name: str) -> None:
    found = problems(definition({name: {"type": "string"}}))
    assert "imports read" in found[f"/schema/properties/{name}"]


def test_the_same_name_inside_a_group_is_fine() -> None:
    group = {"type": "object", "properties": {"period": {"type": "string"}}}
    validate_definition(definition({"about": group}))


def test_a_choice_value_used_twice_is_refused_at_the_second() -> None:
    role = {
        "type": "string",
        "oneOf": [{"const": "gp", "title": "GP"}, {"const": "gp", "title": "Nurse"}],
    }
    found = problems(definition({"role": role}))
    assert found["/schema/properties/role/oneOf/1/const"] == (
        'the value "gp" is already stored by choice 1 (“GP”); give this choice its own value'
    )


def test_an_enum_value_used_twice_in_several_choices_is_refused() -> None:
    tags = {"type": "array", "uniqueItems": True, "items": {"enum": ["a", "b", "a"]}}
    found = problems(definition({"tags": tags}))
    assert "already stored by choice 1" in found["/schema/properties/tags/items/enum/2"]


def shown_if(question: str) -> dict[str, Any]:
    return {"show_if": {"required": [question], "properties": {question: {"const": True}}}}


def test_a_condition_on_a_later_question_is_refused() -> None:
    raw = definition(
        {"notes": {"type": "string"}, "flag": {"type": "boolean", "title": "Flag"}},
        ui={"fields": {"/notes": shown_if("flag")}},
    )
    found = problems(raw)
    assert found["/ui/fields/~1notes/show_if/properties/flag"].startswith(
        "“Flag” comes after “Notes” in the form"
    )


def test_the_form_order_decides_not_the_declaration_order() -> None:
    properties = {"notes": {"type": "string"}, "flag": {"type": "boolean"}}
    ordered: dict[str, Any] = {"order": ["flag", "notes"], "fields": {"/notes": shown_if("flag")}}
    validate_definition(definition(properties, ui=ordered))
    sections: list[dict[str, Any]] = [
        {"title": "B", "fields": ["notes"]},
        {"title": "A", "fields": ["flag"]},
    ]
    sectioned = {"sections": sections, "fields": {"/notes": shown_if("flag")}}
    assert "/ui/fields/~1notes/show_if/properties/flag" in problems(
        definition(properties, ui=sectioned)
    )


def test_a_question_cannot_be_shown_on_its_own_answer() -> None:
    raw = definition({"flag": {"type": "boolean"}}, ui={"fields": {"/flag": shown_if("flag")}})
    assert "its own answer" in problems(raw)["/ui/fields/~1flag/show_if/properties/flag"]


def test_a_condition_in_a_repeat_reads_earlier_questions_of_the_item() -> None:
    item = {"type": "object", "properties": {"done": {"type": "boolean"}, "on": {"type": "string"}}}
    courses = {"type": "array", "items": item}
    validate_definition(
        definition({"courses": courses}, ui={"fields": {"/courses/-/on": shown_if("done")}})
    )
    later = definition({"courses": courses}, ui={"fields": {"/courses/-/done": shown_if("on")}})
    assert "/ui/fields/~1courses~1-~1done/show_if/properties/on" in problems(later)


def test_a_member_named_twice_is_refused_before_json_keeps_the_last(tmp_path: Path) -> None:
    text = '{"id": "x", "schema": {"properties": {"role": {}, "role": {"type": "integer"}}}}'
    with pytest.raises(ValueError, match="the member 'role' appears twice in one object"):
        definition_from_text(text)
    (tmp_path / "app.json").write_text(text)
    with pytest.raises(DefinitionInvalid) as caught:
        read_definition(tmp_path)
    assert caught.value.issues[0].message == (
        "is not valid JSON: the member 'role' appears twice in one object"
    )
