"""Publishing refuses frameworks, statements and categories that are not loaded, at their
pointers, through every way in (service, CLI-style publish, API, publish page)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import App
from miniapps.services import apps as app_service
from miniapps.services.compliance.frameworks import load_framework

from tests.compliance_evidence import load_saf, saf_2026

DEFINITION: dict[str, Any] = {
    "id": "fire_drill",
    "title": "Fire drill",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["processes", "observation"]},
        },
    },
    "evidence": [
        {
            "framework": "cqc-saf",
            "statements": ["safe_environments", "safeguarding"],
            "category_field": "/kind",
        }
    ],
}


def definition(change=None) -> dict[str, Any]:
    raw = copy.deepcopy(DEFINITION)
    if change:
        change(raw)
    return raw


def refused(db_session, raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        app_service.publish(db_session, validate_definition(raw), None, actor=None)
    db_session.rollback()
    assert db_session.get(App, raw["id"]) is None  # nothing stored
    return [(i.pointer, i.message) for i in caught.value.issues]


def test_a_framework_not_loaded_is_refused_with_the_way_out(db_session, orgs) -> None:
    assert refused(db_session, definition()) == [
        (
            "/evidence/0/framework",
            "framework 'cqc-saf' is not loaded: load it with miniapps frameworks load FILE",
        )
    ]
    home = {**definition(), "compliance": {"framework": "nice-qs"}}
    load_saf(db_session)
    assert refused(db_session, home)[0][0] == "/compliance/framework"


def test_unknown_statements_and_categories_are_refused_at_their_pointer(db_session, orgs) -> None:
    load_saf(db_session)

    def bad(raw: dict[str, Any]) -> None:
        raw["evidence"][0]["statements"][1] = "being_nice"
        raw["schema"]["properties"]["kind"]["enum"][1] = "gossip"

    assert refused(db_session, definition(bad)) == [
        ("/evidence/0/statements/1", "'being_nice' is not a statement of cqc-saf"),
        (
            "/schema/properties/kind/enum/1",
            "'gossip' is not an evidence category of cqc-saf (feedback_from_partners, "
            "feedback_from_staff_and_leaders, observation, outcomes, peoples_experience, "
            "processes)",
        ),
    ]


def test_a_known_definition_is_published(db_session, orgs) -> None:
    load_saf(db_session)
    published = app_service.publish(db_session, validate_definition(definition()), None, None)
    assert published.created


def test_ids_of_any_loaded_version_are_known(db_session, orgs) -> None:
    load_saf(db_session)
    load_framework(db_session, saf_2026())

    def both(raw: dict[str, Any]) -> None:
        raw["evidence"][0]["statements"] = ["learning_culture", "learning_from_events"]

    assert app_service.publish(db_session, validate_definition(definition(both)), None, None)


def test_the_api_answers_422_with_pointers(client, db_session, users, token, orgs) -> None:
    load_saf(db_session)
    db_session.commit()
    raw = definition(lambda r: r["evidence"][0]["statements"].append("being_nice"))
    response = client.post("/api/v1/apps", json=raw, headers=token(users["platform_admin"]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {
        "pointer": "/evidence/0/statements/2",
        "message": "'being_nice' is not a statement of cqc-saf",
    } in errors


def test_the_publish_page_says_so_at_the_check(client, users, login, orgs) -> None:
    login(users["platform_admin"])
    page = client.post(
        "/apps/publish", data={"definition": json.dumps(definition()), "action": "preview"}
    )
    assert page.status_code == 422
    assert "miniapps frameworks load FILE" in page.get_data(as_text=True)
