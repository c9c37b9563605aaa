"""The app-definition meta-schema: itself valid, its enums fixed, its examples valid."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from miniapps.core.definitions.loading import (
    META_SCHEMA_PATH,
    load_definition,
    load_meta_schema,
    meta_schema_enum,
    validate_definition,
)
from miniapps.core.definitions.semantics import WIDGET_FITS
from miniapps.core.records.format_limits import FORMAT_CHECKER

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((REPO / "docs" / "examples").glob("*/app.json"))

WIDGET_ENUM = "/$defs/fieldUi/properties/widget/enum"
DASHBOARD_TYPE_ENUM = "/$defs/widget/properties/type/enum"
CHART_ENUM = "/$defs/widget/properties/chart/enum"


def test_meta_schema_lives_in_repo_schemas_dir() -> None:
    assert META_SCHEMA_PATH == REPO / "schemas" / "app-definition.schema.json"
    assert META_SCHEMA_PATH.is_file()


def test_meta_schema_is_valid_2020_12() -> None:
    schema = load_meta_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_meta_schema_regexes_compile() -> None:
    meta = Draft202012Validator.META_SCHEMA
    checker = Draft202012Validator(meta, format_checker=FORMAT_CHECKER)  # ECMA 262 regex
    assert list(checker.iter_errors(load_meta_schema())) == []


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        (
            WIDGET_ENUM,
            "text textarea number date datetime email url radios select checkboxes checkbox "
            "file fieldset repeat organisation person record",
        ),
        (DASHBOARD_TYPE_ENUM, "metric chart table indicator map duration heatmap"),
        (CHART_ENUM, "bar line stacked_bar pie ranked_bar"),
        (
            "/$defs/role/enum",
            "platform_admin icb_viewer pcn_manager practice_manager practice_staff stakeholder",
        ),
        ("/$defs/period/properties/frequency/enum", "none weekly monthly quarterly yearly"),
        ("/$defs/indicator/properties/direction/enum", "higher lower"),
        ("/$defs/indicator/properties/adjustment/enum", "none list_size list_size_and_prevalence"),
        ("/$defs/orgType/enum", "icb place pcn practice stakeholder"),
    ],
)
def test_meta_schema_enums_are_exact(pointer: str, expected: str) -> None:
    assert meta_schema_enum(pointer) == expected.split()


def test_meta_schema_enum_refuses_non_lists() -> None:
    with pytest.raises(KeyError):
        meta_schema_enum("/$defs/role")


def test_every_widget_has_a_fit_rule() -> None:
    assert set(WIDGET_FITS) == set(meta_schema_enum(WIDGET_ENUM))


def test_top_level_members() -> None:
    schema = load_meta_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["id", "title", "version", "schema"]
    optional = set(schema["properties"]) - set(schema["required"])
    assert optional == {
        "$schema",
        "description",
        "ui",
        "period",
        "workflow",
        "dashboard",
        "indicators",
        "indicator_settings",
        "indicator_source",
        "notifications",
        "reminders",
        "channels",
        "views",
        "permissions",
        "hooks",
        "migration",
        "compliance",
        "evidence",
        "documents",
        "unique",
        "follow_ups",
        "subject",
        "deadlines",
        "matrix",
    }


def test_there_are_examples() -> None:
    names = {path.parent.name for path in EXAMPLES}
    assert {"fridge_log", "staff_training"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_example_validates(path: Path) -> None:
    definition = load_definition(path.parent)
    assert definition.id == path.parent.name
    assert definition.source == str(path.parent / "app.json")


def test_minimal_example_is_the_product_one() -> None:
    definition = load_definition(REPO / "docs" / "examples" / "fridge_log")
    expected: dict[str, Any] = {
        "id": "fridge_log",
        "title": "Vaccine fridge log",
        "version": 1,
        "schema": {
            "type": "object",
            "required": ["reading"],
            "properties": {
                "reading": {
                    "type": "number",
                    "title": "Temperature (°C)",
                    "minimum": -30,
                    "maximum": 40,
                }
            },
        },
    }
    assert definition.raw == expected


def test_staff_training_uses_every_required_feature() -> None:
    definition = load_definition(REPO / "docs" / "examples" / "staff_training")
    kinds = {f.pointer: f.kind for f in definition.fields}
    assert kinds["/role"] == "enum"
    assert kinds["/courses"] == "repeat"
    assert kinds["/courses/-/completed"] == "string"
    assert kinds["/competencies"] == "multi_enum"
    assert kinds["/cpd_hours"] == "number"
    assert definition.schema["then"] == {"required": ["dbs_number"]}
    assert definition.ui["fields"]["/notes"]["widget"] == "textarea"
    assert definition.period["frequency"] == "monthly"
    assert definition.is_periodic


def _json_blocks(markdown: str) -> list[Any]:
    blocks = re.findall(r"```json\n(.*?)```", markdown, flags=re.DOTALL)
    parsed = []
    for block in blocks:
        try:
            parsed.append(json.loads(block))
        except json.JSONDecodeError:
            continue  # fragments of a definition, shown for one member
    return parsed


def test_complete_definitions_in_the_guide_validate() -> None:
    guide = (REPO / "docs" / "app-definitions.md").read_text(encoding="utf-8")
    complete = [b for b in _json_blocks(guide) if isinstance(b, dict) and "schema" in b]
    assert [b["id"] for b in complete] == ["ipc_audit"]
    for raw in complete:
        definition = validate_definition(raw, source="docs/app-definitions.md")
        widgets = {spec.get("widget") for spec in definition.ui["fields"].values()}
        assert {"radios", "repeat", "file"} <= widgets
        assert {"if", "then", "else"} <= set(definition.schema)
        assert definition.is_periodic and definition.workflow["initial"] == "draft"
