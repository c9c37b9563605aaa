"""Conditional fields: compile_rules/evaluate/drop_hidden, and the cases shared with the JS twin."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.forms.choice_rules import without_refused
from miniapps.core.forms.conditions import (
    RuleState,
    check_condition,
    compile_rules,
    drop_hidden,
    evaluate,
    matches,
)

ROOT = Path(__file__).resolve().parents[3]
CASES = json.loads((ROOT / "tests/core/forms/condition_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["matches"], ids=lambda c: json.dumps(c)[:70])
def test_shared_matches_cases(case: dict) -> None:
    assert matches(case["condition"], case["value"]) is case["expected"]


@pytest.mark.parametrize("case", CASES["evaluate"], ids=lambda c: c["name"])
def test_shared_evaluate_cases(case: dict) -> None:
    # The stored rules are exactly what the compiler produces (so the JS test runs real rules).
    assert compile_rules(case["schema"], case["ui"]) == case["rules"]
    state = evaluate(case["rules"], case["data"])
    assert sorted(state.hidden) == case["hidden"]
    assert sorted(state.required) == case["required"]
    assert state.choices == case.get("choices", {})


def test_if_without_required_matches_an_absent_field() -> None:
    """The classic trap: JSON Schema's `properties` ignores absent members."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"smoker": {"type": "boolean"}},
        "if": {"properties": {"smoker": {"const": True}}},
        "then": {"properties": {"per_day": {"type": "integer"}}, "required": ["per_day"]},
    }
    rules = compile_rules(schema)
    assert evaluate(rules, {}).required == {"/per_day"}
    assert evaluate(rules, {}).hidden == set()
    assert evaluate(rules, {"smoker": False}).hidden == {"/per_day"}
    # jsonschema agrees: the empty record fails for want of per_day.
    from miniapps.core.records.schema_issues import validate_record_data

    assert [i.pointer for i in validate_record_data(schema, {})] == ["/per_day"]
    # With required beside it, an unanswered question hides the follow-up.
    schema["if"]["required"] = ["smoker"]
    assert evaluate(compile_rules(schema), {}).hidden == {"/per_day"}
    assert validate_record_data(schema, {}) == []


def test_rule_shape_for_if_then_else_and_dependent_required() -> None:
    schema = {
        "type": "object",
        "properties": {"status": {"enum": ["ok", "fault"]}, "note": {"type": "string"}},
        "if": {"properties": {"status": {"const": "fault"}}, "required": ["status"]},
        "then": {"properties": {"action": {"type": "string"}, "note": {"minLength": 5}}},
        "else": {"properties": {"checked_by": {"type": "string"}}, "required": ["checked_by"]},
        "dependentRequired": {"note": ["status"]},
    }
    rules = compile_rules(schema)
    assert rules[0] == {
        "scope": "",
        "origin": "schema:/if",
        "when": schema["if"],
        # note is declared unconditionally: constrained by `then`, never hidden.
        "then": {"show": ["action"], "require": []},
        "else": {"show": ["checked_by"], "require": ["checked_by"]},
    }
    assert rules[1]["when"] == {"required": ["note"]}
    assert rules[1]["then"] == {"show": [], "require": ["status"]}
    json.dumps(rules)  # plain JSON


def test_nested_if_in_then_combines_conditions() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"}},
        "if": {"properties": {"a": {"const": True}}, "required": ["a"]},
        "then": {
            "if": {"properties": {"b": {"const": True}}, "required": ["b"]},
            "then": {"properties": {"c": {"type": "string"}}, "required": ["c"]},
        },
    }
    rules = compile_rules(schema)
    assert evaluate(rules, {"a": True, "b": True}).required == {"/c"}
    assert evaluate(rules, {"a": False, "b": True}).hidden == {"/c"}


def test_refs_in_conditions_are_inlined() -> None:
    schema = {
        "$defs": {"yes": {"const": True}},
        "type": "object",
        "properties": {"x": {"type": "boolean"}},
        "if": {"properties": {"x": {"$ref": "#/$defs/yes"}}, "required": ["x"]},
        "then": {"properties": {"y": {"type": "string"}}},
    }
    assert compile_rules(schema)[0]["when"]["properties"]["x"] == {"const": True}


def test_unsupported_keywords_are_refused_with_their_pointer() -> None:
    schema = {
        "type": "object",
        "if": {"properties": {"d": {"format": "date"}}},
        "then": {"properties": {"e": {"type": "string"}}},
    }
    with pytest.raises(DefinitionInvalid) as caught:
        compile_rules(schema)
    assert caught.value.issues[0].pointer == "schema:/if/properties/d/format"
    ui = {"fields": {"/e": {"show_if": {"multipleOf": 2}}}}
    assert check_condition(ui["fields"]["/e"]["show_if"], "x")[0].pointer == "x/multipleOf"


def test_show_if_in_repeat_is_per_item() -> None:
    schema = {
        "type": "object",
        "properties": {
            "staff": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "role": {"enum": ["gp", "other"]},
                        "role_other": {"type": "string"},
                    },
                },
            }
        },
    }
    ui = {
        "fields": {
            "/staff/-/role_other": {
                "show_if": {"properties": {"role": {"const": "other"}}, "required": ["role"]}
            }
        }
    }
    rules = compile_rules(schema, ui)
    state = evaluate(rules, {"staff": [{"role": "gp"}, {"role": "other"}]})
    assert state.hidden == {"/staff/0/role_other"}


def test_drop_hidden_removes_only_hidden_values_and_copies() -> None:
    data = {"a": 1, "b": {"c": 2, "d": 3}, "items": [{"x": 1, "y": 2}, {"x": 3}]}
    state = RuleState(hidden={"/b/c", "/items/0/y", "/missing/z", "/items/5/x"})
    assert drop_hidden(data, state) == {"a": 1, "b": {"d": 3}, "items": [{"x": 1}, {"x": 3}]}
    assert data["b"] == {"c": 2, "d": 3}


def test_drop_hidden_gives_the_data_itself_when_no_hidden_field_has_a_value() -> None:
    data = {"a": 1, "items": [{"x": 1}]}
    state = RuleState(hidden={"/b", "/items/0/y", "/items/3/x", "/a/deeper"})
    assert drop_hidden(data, state) is data
    assert data == {"a": 1, "items": [{"x": 1}]}


def test_required_inside_hidden_field_is_not_required() -> None:
    rules: list[dict[str, Any]] = [
        {
            "scope": "",
            "origin": "t",
            "when": False,
            "then": {"show": [], "require": []},
            "else": {"show": [], "require": []},
        },
        {
            "scope": "",
            "origin": "t",
            "when": {"required": ["x"]},
            "then": {"show": ["obj"], "require": []},
            "else": {"show": [], "require": []},
        },
        {
            "scope": "/obj",
            "origin": "t",
            "when": True,
            "then": {"show": [], "require": ["inner"]},
            "else": {"show": [], "require": []},
        },
    ]
    assert evaluate(rules, {}).required == set()
    assert evaluate(rules, {"x": 1}).required == {"/obj/inner"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_evaluator_agrees_on_the_shared_cases() -> None:
    """Runs tests/js/conditions.test.mjs (node --test) so pytest alone proves agreement."""
    result = subprocess.run(
        ["node", "--test", str(ROOT / "tests/js/")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_branch_narrowing_a_choice_carries_its_options_and_only_then() -> None:
    options = [{"const": v, "title": v.title()} for v in ("a", "b", "c")]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["x", "y"]},
            "pick": {"type": "array", "uniqueItems": True, "items": {"oneOf": options}},
            "one": {"enum": ["a", "b", "c"]},
        },
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "x"}}, "required": ["kind"]},
                # the same options as the field's own (in another order): nothing narrowed
                "then": {"properties": {"pick": {"items": {"enum": ["c", "b", "a"]}}}},
                "else": {
                    "properties": {"pick": {"items": {"enum": ["a"]}}},
                    "allOf": [{"properties": {"one": {"enum": ["b", "c"]}}}],
                },
            },
            {"properties": {"one": {"enum": ["a", "b", "c"]}}},
        ],
    }
    (rule,) = compile_rules(schema)
    assert "choices" not in rule["then"]
    assert rule["else"]["choices"] == {"pick": ["a"], "one": ["b", "c"]}
    assert evaluate([rule], {"kind": "x"}).choices == {}
    state = evaluate([rule], {"kind": "y", "pick": ["a", "b"], "one": "a"})
    assert state.choices == {"/pick": ["a"], "/one": ["b", "c"]}
    assert state.hidden == set()  # narrowing a field declared outside the branch shows nothing


def test_without_refused_drops_answers_not_allowed_and_copies() -> None:
    data = {"pick": ["a", "b"], "one": "a", "keep": ["z"], "items": [{"r": "p"}, {"r": "q"}]}
    choices: dict[str, list[Any]] = {"/pick": ["b"], "/one": ["b"], "/keep": ["z"]}
    choices |= {"/items/1/r": ["p"], "/gone": [1]}
    assert without_refused(data, choices) == {
        "pick": ["b"],
        "keep": ["z"],
        "items": [{"r": "p"}, {}],
    }
    assert without_refused(data, {"/pick": ["c"]}) == {k: v for k, v in data.items() if k != "pick"}
    assert data["pick"] == ["a", "b"] and data["one"] == "a"  # the input is left alone
    assert without_refused(data, {"/pick": ["a", "b"]}) is data  # nothing to drop: no copy
