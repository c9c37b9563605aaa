"""A wrong answer to a choice question is refused once, at the question, naming the
options allowed with the other answers (also when a condition narrowed them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import miniapps.core.forms  # noqa: F401  (the forms package before the record check)
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.schema_issues import validate_record_data

ROOT = Path(__file__).resolve().parents[3]
TITLED = [{"const": v, "title": v.title()} for v in ("physical", "sexual", "emotional", "money")]
SCHEMA: dict[str, Any] = {
    "$defs": {
        "adult": {
            "if": {"properties": {"kind": {"const": "adult"}}, "required": ["kind"]},
            "then": {"properties": {"cats": {"items": {"enum": ["physical", "money"]}}}},
        }
    },
    "type": "object",
    "properties": {
        "kind": {"title": "Type of report", "enum": ["adult", "child", "other"]},
        "cats": {
            "type": "array",
            "uniqueItems": True,
            "title": "Categories",
            "items": {"oneOf": TITLED},
        },
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "title": "Person",
                "properties": {
                    "age": {"title": "Age", "enum": ["child", "adult"]},
                    "role": {"title": "Role", "enum": ["pupil", "parent", "carer"]},
                },
                "if": {"properties": {"age": {"const": "child"}}, "required": ["age"]},
                "then": {"properties": {"role": {"enum": ["pupil"]}}},
                "else": {"properties": {"role": {"enum": ["parent", "carer"]}}},
            },
        },
    },
    "allOf": [
        {"$ref": "#/$defs/adult"},
        {
            "if": {"properties": {"kind": {"const": "child"}}, "required": ["kind"]},
            "then": {
                "properties": {"cats": {"items": {"enum": ["physical", "sexual", "emotional"]}}}
            },
        },
    ],
}
CHILD_ONLY = "Given your answer to type of report, select categories only from: "


def issues(data: Any, schema: dict[str, Any] = SCHEMA) -> dict[str, str]:
    return {i.pointer: i.message for i in validate_record_data(schema, data)}


def test_a_narrowed_multi_choice_is_refused_at_the_question_with_the_allowed_options() -> None:
    child = {"kind": "child", "cats": ["physical", "money"]}
    assert issues(child) == {"/cats": CHILD_ONLY + "Physical, Sexual, Emotional"}
    # Not among any list: still the options allowed for this kind (every list together).
    assert issues({**child, "cats": ["nonsense", "sexual", "money"]}) == {
        "/cats": CHILD_ONLY + "Physical, Sexual, Emotional"
    }
    # A narrowing written behind a $ref says the same.
    assert issues({"kind": "adult", "cats": ["sexual"]}) == {
        "/cats": CHILD_ONLY + "Physical, Money"
    }
    assert issues({"kind": "adult", "cats": ["money"]}) == issues({"kind": "child"}) == {}
    # With nothing narrowing it, the question's own list.
    assert issues({"kind": "other", "cats": ["nonsense"]}) == {
        "/cats": "Categories must be one of: Physical, Sexual, Emotional, Money"
    }


def test_a_narrowed_single_choice_in_a_repeat_names_its_item_and_the_answer() -> None:
    data = {"people": [{"age": "adult", "role": "parent"}, {"age": "child", "role": "carer"}]}
    assert issues(data) == {
        "/people/1/role": "Person 2: given your answer to age, select role only from: pupil"
    }
    assert issues({"people": [{"age": "adult", "role": "pupil"}]}) == {
        "/people/0/role": "Person 1: given your answer to age, select role only from: parent, carer"
    }


def test_drafts_refuse_it_too_and_the_code_stays_enum() -> None:
    check = check_record(SchemaRules(SCHEMA), {"kind": "child", "cats": ["money"]}, submit=False)
    assert [(i.pointer, i.code) for i in check.issues] == [("/cats", "enum")]


def test_a_child_referral_with_adult_categories_is_refused_at_abuse_categories() -> None:
    app = json.loads((ROOT / "apps/incident_reporting/app.json").read_text(encoding="utf-8"))
    data = {"kind": "child_safeguarding", "abuse_categories": ["neglect", "financial"]}
    for submit in (False, True):
        check = check_record(SchemaRules(app["schema"], app["ui"]), data, submit=submit)
        refused = {i.pointer: i.message for i in check.issues if "abuse" in i.pointer}
        assert refused == {
            "/abuse_categories": "Given your answer to type of report, select type of abuse or "
            "neglect only from: Physical abuse, Sexual abuse, Neglect or acts of omission, "
            "Emotional abuse, Exploitation (criminal or sexual)"
        }
