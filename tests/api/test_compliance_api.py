"""``GET /api/v1/compliance``: the contract shape, the same permission rules as the page,
and JSON errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from miniapps.services.compliance.frameworks import load_framework
from miniapps.web.api.openapi_spec import openapi_document

from tests.compliance_evidence import evidence, load_saf, publish_log, saf_2026

URL = "/api/v1/compliance"


@pytest.fixture
def log(db_session, orgs):
    return publish_log(db_session, [orgs["QWE"]])


def test_the_answer_is_the_contract(client, db_session, orgs, users, token, log):
    evidence(
        db_session,
        orgs["A00001"],
        ["safeguarding", "learning_culture"],
        at=datetime.now(UTC) - timedelta(days=1),
    )
    response = client.get(
        f"{URL}?org=A00001&framework=cqc-saf", headers=token(users["practice_manager"])
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"org", "framework", "key_questions"}
    assert body["org"] == "A00001"
    assert body["framework"] == {"id": "cqc-saf", "version": "2024"}
    questions = body["key_questions"]
    assert [q["id"] for q in questions] == ["safe", "effective", "caring", "responsive", "well_led"]
    assert sum(len(q["statements"]) for q in questions) == 34
    for question in questions:
        assert set(question) == {"id", "title", "status", "statements"}
        for statement in question["statements"]:
            assert set(statement) == {"id", "title", "evidence", "latest", "status", "gaps"}
    safe = {s["id"]: s for s in questions[0]["statements"]}
    assert safe["safeguarding"]["evidence"] == 1
    assert (
        safe["safeguarding"]["latest"] == (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    )
    assert safe["safeguarding"]["status"] == "evidenced"
    assert safe["safe_environments"] == {
        "id": "safe_environments",
        "title": "Safe environments",
        "evidence": 0,
        "latest": None,
        "status": "no_evidence",
        "gaps": [],
    }
    assert questions[0]["status"] == "gaps" and questions[2]["status"] == "no_evidence"
    document = openapi_document()
    schema = {
        **document["components"]["schemas"]["Compliance"],
        "components": document["components"],
    }
    Draft202012Validator(schema).validate(body)


def test_the_framework_defaults_to_that_of_the_compliance_app(client, users, token, log):
    response = client.get(f"{URL}?org=A00001", headers=token(users["practice_staff"]))
    assert response.status_code == 200
    assert response.get_json()["framework"]["id"] == "cqc-saf"


def test_a_version_can_be_named_and_the_latest_is_the_default(
    client, db_session, users, token, log
):
    load_framework(db_session, saf_2026())
    db_session.commit()
    headers = token(users["practice_manager"])
    latest = client.get(f"{URL}?org=A00001", headers=headers).get_json()
    assert latest["framework"] == {"id": "cqc-saf", "version": "2026"}
    older = client.get(f"{URL}?org=A00001&version=2024", headers=headers).get_json()
    assert older["framework"] == {"id": "cqc-saf", "version": "2024"}
    missing = client.get(f"{URL}?org=A00001&version=1999", headers=headers)
    assert missing.status_code == 404 and missing.is_json


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [
        ("practice_manager", "org=A00002", 404),  # another practice
        ("practice_manager", "org=ZZZ999", 404),  # no such organisation
        ("practice_manager", "org=U00001", 404),  # a PCN is not a practice
        ("pcn_manager", "org=A00002", 200),  # a member practice
        ("pcn_manager", "org=A00003", 404),  # another PCN's
        ("icb_viewer", "org=A00004", 200),
        ("stakeholder", "org=A00001", 404),
        ("practice_manager", "org=A00001&framework=nice", 404),
        ("practice_manager", "", 400),
        ("practice_manager", "org=A00001&colour=red", 400),
    ],
)
def test_permissions_and_errors(client, users, token, log, who, query, status):
    response = client.get(f"{URL}?{query}", headers=token(users[who]))
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    if status != 200:
        assert set(response.get_json()) >= {"error", "message"}


def test_a_token_is_needed(client, log):
    response = client.get(f"{URL}?org=A00001")
    assert response.status_code == 401 and response.is_json


def test_without_a_compliance_app_the_only_loaded_framework_is_used(
    client, db_session, users, token
):
    load_saf(db_session)
    db_session.commit()
    response = client.get(f"{URL}?org=A00001", headers=token(users["practice_manager"]))
    assert response.status_code == 200
    assert response.get_json()["framework"]["id"] == "cqc-saf"


def test_nothing_loaded_is_not_found(client, users, token, orgs):
    response = client.get(f"{URL}?org=A00001", headers=token(users["practice_manager"]))
    assert response.status_code == 404 and response.is_json
