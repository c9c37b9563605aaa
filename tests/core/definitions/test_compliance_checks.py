"""``evidence`` and ``compliance`` members: bad ones are refused at their JSON pointers;
:func:`framework_ids` lists every id a definition names, with where."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from miniapps.core.definitions.compliance_checks import NamedId, framework_ids
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

BASE: dict[str, Any] = {
    "id": "evidence_log",
    "title": "Evidence log",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "title": "Title"},
            "statements": {
                "type": "array",
                "uniqueItems": True,
                "items": {
                    "type": "string",
                    "oneOf": [
                        {"const": "safeguarding", "title": "Safeguarding"},
                        {"const": "learning_culture", "title": "Learning culture"},
                    ],
                },
            },
            "one_statement": {"type": "string", "enum": ["safeguarding", "safe_environments"]},
            "category": {"type": "string", "enum": ["processes", "outcomes"]},
            "score": {"type": "integer"},
            "notes": {"type": "array", "items": {"type": "string"}},
            "done": {"type": "boolean"},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"kind": {"enum": ["processes"]}}},
            },
        },
    },
    "evidence": [
        {
            "framework": "cqc-saf",
            "statements_field": "/statements",
            "category_field": "/category",
            "title_field": "/title",
            "when": {"properties": {"done": {"const": True}}, "required": ["done"]},
        },
        {"framework": "cqc-saf", "statements": ["safe_environments"], "category": "outcomes"},
    ],
    "compliance": {"framework": "cqc-saf"},
}


def changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    change(raw)
    return raw


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return [(i.pointer, i.message) for i in caught.value.issues]


def first(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["evidence"][0]


def test_the_base_is_valid() -> None:
    definition = validate_definition(copy.deepcopy(BASE))
    assert definition.compliance == {"framework": "cqc-saf"}
    assert len(definition.evidence) == 2


def test_a_single_choice_field_may_hold_the_statement() -> None:
    validate_definition(changed(lambda r: first(r).update(statements_field="/one_statement")))


CASES = [
    (
        lambda r: first(r).update(statements_field="/nothing"),
        "/evidence/0/statements_field",
        "there is no field at /nothing",
    ),
    (
        lambda r: first(r).update(statements_field="/title"),
        "/evidence/0/statements_field",
        "must be a choice field",
    ),
    (
        lambda r: first(r).update(statements_field="/notes"),
        "/evidence/0/statements_field",
        "must be a choice field",
    ),
    (
        lambda r: first(r).update(category_field="/statements"),
        "/evidence/0/category_field",
        "must be a single-choice field",
    ),
    (
        lambda r: first(r).update(category_field="/items/0/kind"),
        "/evidence/0/category_field",
        "inside a repeating section",
    ),
    (
        lambda r: r["schema"]["properties"]["category"].update(enum=["processes", "Not an id"]),
        "/evidence/0/category_field",
        "offers 'Not an id', which is not a category id",
    ),
    (
        lambda r: first(r).update(title_field="/missing"),
        "/evidence/0/title_field",
        "there is no field at /missing",
    ),
    (
        lambda r: first(r).update(title_field="/items"),
        "/evidence/0/title_field",
        "does not hold text",
    ),
    (
        lambda r: first(r).update(when={"properties": {"colour": {"const": "red"}}}),
        "/evidence/0/when/properties/colour",
        "there is no field 'colour'",
    ),
    (
        lambda r: first(r).update(when={"required": ["ghost"]}),
        "/evidence/0/when/required/0",
        "there is no field 'ghost'",
    ),
]


@pytest.mark.parametrize(("change", "pointer", "message"), CASES)
def test_problems_are_refused_at_their_pointer(change, pointer, message) -> None:
    found = problems(changed(change))
    assert any(p == pointer and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda r: first(r).pop("category_field"), "/evidence/0"),  # needs a category
        (lambda r: first(r).update(statements=["safeguarding"]), "/evidence/0"),  # both ways
        (lambda r: r["evidence"][1].update(statements=["Bad Id"]), "/evidence/1/statements/0"),
        (lambda r: r["compliance"].update(framework="CQC SAF"), "/compliance/framework"),
        (lambda r: r.update(evidence=[]), "/evidence"),
    ],
)
def test_the_shape_is_the_meta_schemas(change, pointer) -> None:
    assert pointer in {p for p, _ in problems(changed(change))}


def test_framework_ids_name_every_id_with_its_pointer() -> None:
    named = framework_ids(copy.deepcopy(BASE))
    choices = "/schema/properties/statements/items/oneOf"
    assert named == [
        NamedId("cqc-saf", "framework", "", "/compliance/framework"),
        NamedId("cqc-saf", "framework", "", "/evidence/0/framework"),
        NamedId("cqc-saf", "statement", "safeguarding", f"{choices}/0/const"),
        NamedId("cqc-saf", "statement", "learning_culture", f"{choices}/1/const"),
        NamedId("cqc-saf", "category", "processes", "/schema/properties/category/enum/0"),
        NamedId("cqc-saf", "category", "outcomes", "/schema/properties/category/enum/1"),
        NamedId("cqc-saf", "framework", "", "/evidence/1/framework"),
        NamedId("cqc-saf", "statement", "safe_environments", "/evidence/1/statements/0"),
        NamedId("cqc-saf", "category", "outcomes", "/evidence/1/category"),
    ]
