"""``GET /api/v1/apps/{id}/views/{view_id}``: the view page's content as JSON, documented,
with the same roles and scope (404 otherwise) and nothing the view does not list."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from miniapps.web.api.openapi_spec import openapi_document

from tests.sample_views import NEVER_SHOWN, seed_events

URL = "/api/v1/apps/event_log/views/learning"


@pytest.fixture
def events(db_session, orgs, users):
    return seed_events(db_session, orgs, users["practice_staff"])


def test_a_pcn_manager_gets_the_view(client, users, token, events) -> None:
    response = client.get(URL, headers=token(users["pcn_manager"]))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["app"], body["view"], body["title"]) == (
        "event_log",
        "learning",
        "Shared learning",
    )
    assert [c["pointer"] for c in body["columns"]] == ["/event_type", "/harm", "/occurred_at"]
    assert body["columns"][2] == {
        "pointer": "/occurred_at",
        "title": "When it happened",
        "month": True,
    }
    assert body["shared_text"] == {
        "pointer": "/learning_summary",
        "title": "Learning",
        "month": False,
    }
    assert body["rows"] == [
        {
            "values": {
                "/event_type": "Risk",
                "/harm": "No harm (5)",
                "/occurred_at": "February 2026",
            },
            "shared_text": None,
        },
        {
            "values": {
                "/event_type": "Incident",
                "/harm": "Moderate harm (3)",
                "/occurred_at": "April 2026",
            },
            "shared_text": "Dry the floor after rain",
        },
    ]
    assert (body["total"], body["page"]) == (2, 1)


def test_counts_by_theme_and_month(client, users, token, events) -> None:
    body = client.get(URL, headers=token(users["pcn_manager"])).json
    by_type, by_harm = body["themes"]
    assert by_type["pointer"] == "/event_type"
    assert [(c["value"], c["title"], c["count"]) for c in by_type["counts"]] == [
        ("incident", "Incident", 1),
        ("risk", "Risk", 1),
        ("good_care", "Good care", 0),
    ]
    assert [c["count"] for c in by_harm["counts"]] == [1, 0, 1]
    assert by_type["not_answered"] == 0
    assert body["months"] == [
        {"month": "2026-02", "title": "February 2026", "count": 1},
        {"month": "2026-03", "title": "March 2026", "count": 0},
        {"month": "2026-04", "title": "April 2026", "count": 1},
    ]


def test_nothing_unlisted_is_in_the_answer(client, users, token, events) -> None:
    text = json.dumps(client.get(URL, headers=token(users["pcn_manager"])).json)
    for secret in NEVER_SHOWN:
        assert secret not in text
    for where in ("A00001", "A00002", "North Surgery", "Hill Surgery"):
        assert where not in text
    assert "staff@example.nhs.uk" not in text and "Practice Staff" not in text
    for record in events:
        assert f'"id": {record.id}' not in text and f"/records/{record.id}" not in text
    assert "2026-03-31" not in text and '"organisation"' not in text


@pytest.mark.parametrize("who", ["practice_manager", "practice_manager_2", "platform_admin"])
def test_anyone_without_the_role_gets_404(client, users, token, events, who) -> None:
    response = client.get(URL, headers=token(users[who]))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_unknown_views_and_apps_are_404(client, users, token, events) -> None:
    headers = token(users["pcn_manager"])
    assert client.get("/api/v1/apps/event_log/views/nope", headers=headers).status_code == 404
    assert client.get("/api/v1/apps/nope/views/learning", headers=headers).status_code == 404


def test_parameters_are_read_strictly(app, client, users, token, events, monkeypatch) -> None:
    headers = token(users["pcn_manager"])
    assert client.get(URL + "?org=A00001", headers=headers).status_code == 400
    assert client.get(URL + "?page=0", headers=headers).status_code == 400
    assert client.get(URL).status_code == 401
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    second = client.get(URL + "?page=2", headers=headers).json
    assert [r["shared_text"] for r in second["rows"]] == ["Dry the floor after rain"]
    assert (second["total"], second["page"], second["page_size"]) == (2, 2, 1)
    assert [c["count"] for c in second["themes"][0]["counts"]] == [1, 1, 0]


def test_the_answer_matches_the_documented_schema(client, users, token, events) -> None:
    document = openapi_document()
    schema = {**document, "$ref": "#/components/schemas/View"}
    body = client.get(URL, headers=token(users["pcn_manager"])).json
    assert list(Draft202012Validator(schema).iter_errors(body)) == []
    operation = document["paths"]["/apps/{app_id}/views/{view_id}"]["get"]
    assert set(operation["responses"]) == {"200", "400", "401", "404"}
