"""The ``documents`` member's semantic checks: each pointer names a field of the right
kind (title text, category a single choice, sign roles a multiple choice of roles,
review months a whole number), outside repeating sections; a library has no period.
The bundled policy library passes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import meta_schema_enum, validate_definition
from miniapps.core.documents.settings import ROLE_NAMES, LibrarySettings
from miniapps.core.errors import DefinitionInvalid

REPO = Path(__file__).resolve().parents[3]
POLICIES = REPO / "apps" / "cqc_compliance" / "definitions" / "cqc_policies.json"


def base() -> dict[str, Any]:
    return {
        "id": "docs",
        "title": "Documents",
        "version": 1,
        "schema": {
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": ["policy", "process"]},
                "who": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": ["practice_staff", "practice_manager"]},
                },
                "months": {"type": "integer", "minimum": 1},
                "sections": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"heading": {"type": "string"}}},
                },
                "colours": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": ["red", "blue"]},
                },
            },
        },
        "documents": {"title": "/title"},
    }


def refused(documents: dict[str, Any], **top: Any) -> dict[str, str]:
    raw = base()
    raw["documents"] = documents
    raw.update(top)
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(copy.deepcopy(raw))
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_the_bundled_policy_library_is_valid() -> None:
    raw = json.loads(POLICIES.read_text(encoding="utf-8"))
    definition = validate_definition(raw)
    settings = LibrarySettings.from_member(definition.documents or {})
    assert settings.remind_days == (60, 30, 7) and settings.sign_target == 95
    facts = settings.facts({"title": "Chaperone policy", "category": "policy", "sign_roles": []})
    assert facts.sign_roles == ("practice_staff", "practice_manager")  # empty: the default
    assert facts.review_months == 12


def test_pointers_that_fit_are_accepted() -> None:
    raw = base()
    raw["documents"] = {
        "title": "/title",
        "category": "/kind",
        "owner": "/title",
        "sign_roles_field": "/who",
        "review_months_field": "/months",
    }
    assert validate_definition(raw).documents == raw["documents"]


def test_each_pointer_is_checked_at_its_own_place() -> None:
    issues = refused(
        {
            "title": "/months",
            "category": "/title",
            "owner": "/nowhere",
            "sign_roles_field": "/months",
            "review_months_field": "/kind",
        }
    )
    assert issues == {
        "/documents/title": "must point at a text field, but /months is a whole-number field",
        "/documents/category": "must point at a single-choice field, but /title is a text field",
        "/documents/owner": "there is no field at /nowhere",
        "/documents/sign_roles_field": (
            "must point at a multiple-choice field, but /months is a whole-number field"
        ),
        "/documents/review_months_field": (
            "must point at a whole-number field, but /kind is a single-choice field"
        ),
    }


def test_sign_roles_must_be_roles_and_fields_outside_repeats() -> None:
    issues = refused({"title": "/sections/-/heading", "sign_roles_field": "/colours"})
    assert "inside a repeating section" in issues["/documents/title"]
    assert issues["/documents/sign_roles_field"].startswith("the choices of /colours must be roles")
    assert "red, blue" in issues["/documents/sign_roles_field"]


def test_a_library_has_no_period() -> None:
    issues = refused({"title": "/title"}, period={"frequency": "monthly"})
    assert "cannot be periodic" in issues["/period/frequency"]


def test_role_names_are_the_meta_schema_roles() -> None:
    assert list(ROLE_NAMES) == meta_schema_enum("/$defs/role/enum")
