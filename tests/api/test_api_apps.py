"""``/api/v1/apps``: listing, publishing, reading definitions; and the dashboard route."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.models import App, AppTarget, AppVersion, Organisation, Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

FRIDGE_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fridge_log" / "app.json"
FRIDGE = json.loads(FRIDGE_FILE.read_text())


def definition(app_id: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": app_id,
        "title": app_id.replace("_", " ").capitalize(),
        "version": version,
        "schema": {
            "type": "object",
            "required": ["count"],
            "properties": {"count": {"type": "integer", "title": "Count", "minimum": 0}},
        },
        **extra,
    }


def target_codes(db_session: Session, app_id: str) -> set[str]:
    rows = db_session.scalars(
        select(Organisation.ods)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app_id)
    )
    return set(rows)


def version_count(db_session: Session, app_id: str) -> int:
    query = select(func.count()).select_from(AppVersion).where(AppVersion.app_id == app_id)
    return db_session.scalar(query) or 0


# --- GET /apps --------------------------------------------------------------------------------


def test_list_apps_shows_visible_apps(client: FlaskClient, users, token, fridge_app) -> None:
    response = client.get("/api/v1/apps", headers=token(users["practice_manager"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["page"] == 1
    assert body["items"] == [
        {"id": "fridge_log", "title": "Vaccine fridge log", "version": 1, "status": "published"}
    ]


def test_stakeholder_sees_no_apps(client: FlaskClient, users, token, fridge_app) -> None:
    body = client.get("/api/v1/apps", headers=token(users["stakeholder"])).get_json()
    assert body["items"] == [] and body["total"] == 0


def test_app_published_to_one_pcn_is_hidden_from_the_other(
    client: FlaskClient, users, token
) -> None:
    headers = token(users["pcn_manager"])
    assert (
        client.post("/api/v1/apps", json=definition("north_only"), headers=headers).status_code
        == 201
    )
    north = client.get("/api/v1/apps", headers=token(users["practice_manager"])).get_json()
    south = client.get("/api/v1/apps", headers=token(users["practice_manager_2"])).get_json()
    assert [a["id"] for a in north["items"]] == ["north_only"]
    assert south["items"] == []
    response = client.get("/api/v1/apps/north_only", headers=token(users["practice_manager_2"]))
    assert response.status_code == 404


def test_list_apps_is_paginated(
    client: FlaskClient, app: Flask, users, token, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    admin = token(users["platform_admin"])
    for name in ("app_a", "app_b", "app_c"):
        assert client.post("/api/v1/apps", json=definition(name), headers=admin).status_code == 201
    first = client.get("/api/v1/apps", headers=admin).get_json()
    second = client.get("/api/v1/apps?page=2", headers=admin).get_json()
    third = client.get("/api/v1/apps?page=3", headers=admin).get_json()
    assert (first["total"], second["total"]) == (3, 3)
    assert (first["page"], second["page"]) == (1, 2)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    ids = {a["id"] for a in first["items"] + second["items"]}
    assert ids == {"app_a", "app_b", "app_c"}
    assert third["items"] == [] and third["total"] == 3


# --- POST /apps -------------------------------------------------------------------------------


def test_pcn_manager_publishes_to_their_pcn(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    response = client.post(
        "/api/v1/apps", json=definition("pcn_app"), headers=token(users["pcn_manager"])
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"id": "pcn_app", "version": 1, "created": True}
    assert response.headers["Location"].endswith("/api/v1/apps/pcn_app")
    assert target_codes(db_session, "pcn_app") == {"U00001"}


def test_admin_publishes_to_everything_by_default(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    response = client.post(
        "/api/v1/apps", json=definition("all_app"), headers=token(users["platform_admin"])
    )
    assert response.status_code == 201
    assert "QWE" in target_codes(db_session, "all_app")


def test_publish_to_named_organisations(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    response = client.post(
        "/api/v1/apps?to=A00001, a00003",
        json=definition("two_practices"),
        headers=token(users["platform_admin"]),
    )
    assert response.status_code == 201
    assert target_codes(db_session, "two_practices") == {"A00001", "A00003"}


@pytest.mark.parametrize(
    "role", ["practice_manager", "practice_staff", "icb_viewer", "stakeholder"]
)
def test_roles_without_publish_get_403(
    client: FlaskClient, users, token, db_session: Session, role: str
) -> None:
    response = client.post("/api/v1/apps", json=definition("nope"), headers=token(users[role]))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert db_session.get(App, "nope") is None


def test_403_comes_before_definition_errors(client: FlaskClient, users, token) -> None:
    response = client.post("/api/v1/apps", json={"id": "Bad"}, headers=token(users["stakeholder"]))
    assert response.status_code == 403
    assert "errors" not in response.get_json()


def test_pcn_manager_may_not_publish_to_another_pcn(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    response = client.post(
        "/api/v1/apps?to=A00003", json=definition("south"), headers=token(users["pcn_manager"])
    )
    assert response.status_code == 403
    assert db_session.get(App, "south") is None


def test_unknown_ods_in_to_is_422_at_to(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    for query in ("to=ZZZ999", "to=A00001,ZZZ999", "to=,"):
        response = client.post(
            f"/api/v1/apps?{query}",
            json=definition("x_app"),
            headers=token(users["platform_admin"]),
        )
        assert response.status_code == 422, query
        assert [e["pointer"] for e in response.get_json()["errors"]] == ["/to"]
    assert db_session.get(App, "x_app") is None


def test_invalid_definition_is_422_with_pointers(client: FlaskClient, users, token) -> None:
    bad = definition("Bad Id", colour="red")
    bad["version"] = 0
    response = client.post("/api/v1/apps", json=bad, headers=token(users["platform_admin"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_definition"
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/id", "/version", "/colour"} <= pointers
    assert all(e["message"] for e in body["errors"])


def test_definition_body_must_be_json(client: FlaskClient, users, token) -> None:
    headers = token(users["platform_admin"])
    assert client.post("/api/v1/apps", data="id=x", headers=headers).status_code == 415
    response = client.post(
        "/api/v1/apps", data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_republishing_the_same_content_creates_no_version(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    headers = token(users["platform_admin"])
    client.post("/api/v1/apps", json=definition("same"), headers=headers)
    again = client.post("/api/v1/apps", json=definition("same"), headers=headers)
    assert again.status_code == 201
    assert again.get_json() == {"id": "same", "version": 1, "created": False}
    assert version_count(db_session, "same") == 1


def test_version_must_go_up(client: FlaskClient, users, token) -> None:
    headers = token(users["platform_admin"])
    client.post("/api/v1/apps", json=definition("up", version=2), headers=headers)
    changed = definition("up", version=1, description="changed")
    response = client.post("/api/v1/apps", json=changed, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/version"


def test_incompatible_change_is_refused(
    client: FlaskClient, users, token, db_session: Session, fridge_app, orgs
) -> None:
    record_service.create_record(
        db_session,
        Access(users["practice_manager"]),
        fridge_app,
        orgs["A00001"],
        {"reading": 4.5},
        submit=True,
        actor=users["practice_manager"],
    )
    db_session.commit()
    narrowed = copy.deepcopy(FRIDGE)
    narrowed["version"] = 2
    narrowed["schema"]["properties"]["reading"]["type"] = "string"
    response = client.post("/api/v1/apps", json=narrowed, headers=token(users["platform_admin"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "incompatible_change"
    assert any("reading" in e["pointer"] for e in body["errors"])
    assert version_count(db_session, "fridge_log") == 1


# --- GET /apps/{id} ---------------------------------------------------------------------------


def test_get_app_returns_the_latest_definition(
    client: FlaskClient, users, token, fridge_app
) -> None:
    headers = token(users["platform_admin"])
    response = client.get("/api/v1/apps/fridge_log", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == FRIDGE
    newer = copy.deepcopy(FRIDGE)
    newer["version"] = 2
    newer["description"] = "Twice daily"
    assert client.post("/api/v1/apps", json=newer, headers=headers).status_code == 201
    assert client.get("/api/v1/apps/fridge_log", headers=headers).get_json() == newer


def test_get_unknown_or_invisible_app_is_404_json(
    client: FlaskClient, users, token, fridge_app
) -> None:
    for user, app_id in (("platform_admin", "no_such_app"), ("stakeholder", "fridge_log")):
        response = client.get(f"/api/v1/apps/{app_id}", headers=token(users[user]))
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


# --- GET /apps/{id}/dashboard -----------------------------------------------------------------


@pytest.fixture
def readings(db_session: Session, users, orgs, fridge_app) -> list[Record]:
    made = []
    for ods, value, submit in (
        ("A00001", 4.0, True),
        ("A00001", 6.0, True),
        ("A00003", 5.0, True),
        ("A00001", 30.0, False),
    ):
        user = users["practice_manager"] if ods == "A00001" else users["practice_manager_2"]
        made.append(
            record_service.create_record(
                db_session,
                Access(user),
                fridge_app,
                orgs[ods],
                {"reading": value},
                submit=submit,
                actor=user,
            )
        )
    db_session.commit()
    return made


def test_dashboard_contract(client: FlaskClient, users, token, readings) -> None:
    response = client.get(
        "/api/v1/apps/fridge_log/dashboard?org=QWE", headers=token(users["icb_viewer"])
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["app"] == "fridge_log" and body["org"] == "QWE"
    widgets = {w["id"]: w for w in body["widgets"]}
    assert all({"id", "type", "title", "data"} <= set(w) for w in body["widgets"])
    assert widgets["records"]["data"]["total"] == 3  # the draft is not counted
    assert widgets["records"]["data"]["by_org"] == {"A00001": 2, "A00003": 1}
    reading = widgets["/reading"]["data"]
    assert (reading["count"], reading["sum"], reading["min"], reading["max"]) == (3, 15, 4, 6)
    assert reading["mean"] == pytest.approx(5)


def test_dashboard_for_one_practice(client: FlaskClient, users, token, readings) -> None:
    headers = token(users["practice_manager"])
    body = client.get("/api/v1/apps/fridge_log/dashboard?org=A00001", headers=headers).get_json()
    records = next(w for w in body["widgets"] if w["id"] == "records")
    assert records["data"]["total"] == 2


def test_dashboard_without_org_covers_what_the_caller_may_read(
    client: FlaskClient, users, token, readings
) -> None:
    headers = token(users["practice_manager"])
    body = client.get("/api/v1/apps/fridge_log/dashboard", headers=headers).get_json()
    records = next(w for w in body["widgets"] if w["id"] == "records")
    assert records["data"]["by_org"] == {"A00001": 2}


def test_dashboard_refusals(client: FlaskClient, users, token, readings) -> None:
    pm = token(users["practice_manager"])
    base = "/api/v1/apps/fridge_log/dashboard"
    assert client.get(f"{base}?org=A00003", headers=pm).status_code == 403
    assert client.get(f"{base}?org=ZZZ999", headers=pm).status_code == 404
    assert client.get(f"{base}?org=A00001&colour=red", headers=pm).status_code == 400
    bad = client.get(f"{base}?org=A00001&from=April", headers=pm)
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.get_json()["errors"]] == ["/from"]
    backwards = client.get(f"{base}?org=A00001&from=2025-05&to=2025-04", headers=pm)
    assert backwards.status_code == 422
    stakeholder = token(users["stakeholder"])
    assert client.get(f"{base}?org=LA001", headers=stakeholder).status_code == 404
    assert client.get("/api/v1/apps/nope/dashboard?org=QWE", headers=pm).status_code == 404
