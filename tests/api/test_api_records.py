"""``/api/v1`` records: create, list, read, PATCH with If-Match, workflow transitions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, Record
from miniapps.services import apps as app_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.sample_workflows import CASE_LOG

CHECK = {
    "id": "fridge_check",
    "title": "Fridge check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["reading", "checked_at"],
        "additionalProperties": False,
        "properties": {
            "reading": {
                "type": "number",
                "title": "Temperature (°C)",
                "minimum": -30,
                "maximum": 40,
            },
            "checked_at": {"type": "string", "format": "date-time", "title": "Checked at"},
            "state": {"type": "string", "title": "State", "enum": ["ok", "warning", "fault"]},
            "door_closed": {"type": "boolean", "title": "Door closed"},
            "location": {
                "type": "object",
                "title": "Location",
                "required": ["room"],
                "properties": {
                    "room": {"type": "string", "title": "Room"},
                    "shelf": {"type": "integer", "title": "Shelf"},
                },
            },
        },
    },
}
GOOD = {
    "reading": 4.5,
    "checked_at": "2025-04-01T09:30:00Z",
    "state": "ok",
    "door_closed": True,
    "location": {"room": "Treatment room", "shelf": 2},
}
RECORDS = "/api/v1/apps/fridge_check/records"


@pytest.fixture
def check_app(db_session: Session, orgs) -> App:
    published = app_service.publish(
        db_session, validate_definition(CHECK), [orgs["QWE"]], actor=None
    )
    db_session.commit()
    return published.app


@pytest.fixture
def headers(users, token, check_app) -> dict[str, dict[str, str]]:
    return {key: token(user) for key, user in users.items()}


def post(client: FlaskClient, auth: dict[str, str], org: str, data: Any, **extra: Any):
    return client.post(RECORDS, json={"org": org, "data": data, **extra}, headers=auth)


def make(client: FlaskClient, auth: dict[str, str], org: str, submit: bool, **data: Any) -> dict:
    response = post(client, auth, org, {**GOOD, **data}, submit=submit)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Record)) or 0


# --- POST /apps/{id}/records ------------------------------------------------------------------


def test_create_draft(client: FlaskClient, headers, users) -> None:
    response = post(client, headers["practice_manager"], "A00001", {"reading": 3})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {
        "id",
        "app",
        "app_version",
        "org",
        "period",
        "status",
        "version",
        "data",
        "created_at",
        "updated_at",
        "submitted_at",
        "created_by",
        "actions",
        "channels",
    }
    assert body["channels"] == []
    assert [a["action"] for a in body["actions"]] == ["submit"]
    assert body["status"] == "draft" and body["version"] == 1 and body["app_version"] == 1
    assert (body["app"], body["org"], body["data"]) == ("fridge_check", "A00001", {"reading": 3})
    assert body["submitted_at"] is None and body["created_at"].endswith("Z")
    assert body["created_by"] == users["practice_manager"].email
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/records/{body['id']}")


def test_create_submitted(client: FlaskClient, headers) -> None:
    body = make(client, headers["practice_staff"], "A00001", True)
    assert body["status"] == "submitted" and body["submitted_at"] is not None
    assert body["data"] == GOOD


def test_submit_validates_with_pointers_and_stores_nothing(
    client: FlaskClient, headers, db_session: Session
) -> None:
    data = {
        "checked_at": "yesterday",
        "state": "hot",
        "door_closed": "yes",
        "location": {"shelf": 1.5},
        "colour": "red",
    }
    response = post(client, headers["practice_manager"], "A00001", data, submit=True)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data"
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {
        "/reading",
        "/checked_at",
        "/state",
        "/door_closed",
        "/location/room",
        "/location/shelf",
        "/colour",
    }
    assert count(db_session) == 0


@pytest.mark.parametrize(
    "value", ["2025-04-01", "01/04/2025 09:30", "2025-04-01T25:00:00Z", "2025-04-01T09:30"]
)
def test_bad_date_time_is_refused_at_its_pointer(client: FlaskClient, headers, value: str) -> None:
    response = post(
        client, headers["practice_manager"], "A00001", {**GOOD, "checked_at": value}, submit=True
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/checked_at"]


def test_request_shape_errors_point_at_the_member(
    client: FlaskClient, headers, db_session: Session
) -> None:
    response = client.post(RECORDS, json={"data": GOOD}, headers=headers["practice_manager"])
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/org"]
    unknown = post(client, headers["practice_manager"], "ZZZ999", GOOD)
    assert unknown.status_code == 422
    assert [e["pointer"] for e in unknown.get_json()["errors"]] == ["/org"]
    period = post(client, headers["practice_manager"], "A00001", GOOD, period="April")
    assert period.status_code == 422
    assert [e["pointer"] for e in period.get_json()["errors"]] == ["/period"]
    assert count(db_session) == 0


def test_period_is_stored(client: FlaskClient, headers) -> None:
    response = post(client, headers["practice_manager"], "A00001", GOOD, period="2025-04")
    assert response.get_json()["period"] == "2025-04"


def test_cannot_write_for_another_practice(
    client: FlaskClient, headers, db_session: Session
) -> None:
    response = post(client, headers["practice_manager"], "A00003", GOOD, submit=True)
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    for role in ("icb_viewer", "stakeholder"):
        assert post(client, headers[role], "A00001", GOOD).status_code in (403, 404)
    assert count(db_session) == 0


def test_unknown_app_is_404(client: FlaskClient, headers) -> None:
    response = client.post(
        "/api/v1/apps/nope/records",
        json={"org": "A00001", "data": {}},
        headers=headers["practice_manager"],
    )
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


# --- GET /apps/{id}/records -------------------------------------------------------------------


@pytest.fixture
def spread(client: FlaskClient, headers) -> dict[str, dict]:
    """A submitted record and a draft at A00001, a submitted one at A00003."""
    return {
        "north_submitted": make(client, headers["practice_manager"], "A00001", True, reading=1),
        "north_draft": make(client, headers["practice_manager"], "A00001", False, reading=2),
        "south_submitted": make(client, headers["practice_manager_2"], "A00003", True, reading=3),
    }


def listed(client: FlaskClient, auth: dict[str, str], query: str = "") -> dict:
    response = client.get(f"{RECORDS}{query}", headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(body: dict) -> set[int]:
    return {item["id"] for item in body["items"]}


def test_icb_viewer_reads_submitted_but_not_drafts(client: FlaskClient, headers, spread) -> None:
    body = listed(client, headers["icb_viewer"])
    assert ids(body) == {spread["north_submitted"]["id"], spread["south_submitted"]["id"]}
    assert body["total"] == 2 and body["page"] == 1
    draft = spread["north_draft"]["id"]
    assert client.get(f"/api/v1/records/{draft}", headers=headers["icb_viewer"]).status_code == 404


def test_practice_sees_only_its_own_records(client: FlaskClient, headers, spread) -> None:
    north = listed(client, headers["practice_manager"])
    assert ids(north) == {spread["north_submitted"]["id"], spread["north_draft"]["id"]}
    south = listed(client, headers["practice_manager_2"])
    assert ids(south) == {spread["south_submitted"]["id"]}
    other = spread["south_submitted"]["id"]
    assert (
        client.get(f"/api/v1/records/{other}", headers=headers["practice_manager"]).status_code
        == 404
    )


def test_stakeholder_sees_nothing(client: FlaskClient, headers, spread) -> None:
    assert client.get(RECORDS, headers=headers["stakeholder"]).status_code == 404
    for record in spread.values():
        response = client.get(f"/api/v1/records/{record['id']}", headers=headers["stakeholder"])
        assert response.status_code == 404


def test_filters(client: FlaskClient, headers, spread) -> None:
    icb = headers["icb_viewer"]
    assert ids(listed(client, icb, "?org=U00001")) == {spread["north_submitted"]["id"]}
    assert ids(listed(client, icb, "?org=a00003")) == {spread["south_submitted"]["id"]}
    assert listed(client, icb, "?org=A00002")["total"] == 0
    pm = headers["practice_manager"]
    assert ids(listed(client, pm, "?status=draft")) == {spread["north_draft"]["id"]}
    assert listed(client, pm, "?period=2025-04")["total"] == 0
    assert client.get(f"{RECORDS}?org=ZZZ999", headers=icb).status_code == 404
    assert client.get(f"{RECORDS}?period=April", headers=icb).status_code == 400


def test_records_are_paginated(
    client: FlaskClient, app: Flask, headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    made = [
        make(client, headers["practice_manager"], "A00001", True, reading=n)["id"] for n in range(5)
    ]
    pages = [listed(client, headers["practice_manager"], f"?page={n}") for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert all(p["total"] == 5 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    seen = [i["id"] for p in pages for i in p["items"]]
    assert seen == sorted(made, reverse=True)  # newest first, none repeated


# --- GET and PATCH /records/{rid} ------------------------------------------------------------


def test_get_record(client: FlaskClient, headers, spread) -> None:
    record = spread["north_submitted"]
    response = client.get(f"/api/v1/records/{record['id']}", headers=headers["icb_viewer"])
    assert response.status_code == 200
    assert response.get_json() == record
    assert response.headers["ETag"] == '"2"'  # created, then submitted
    assert (
        client.get("/api/v1/records/999999", headers=headers["platform_admin"]).status_code == 404
    )


def patch(client: FlaskClient, auth: dict[str, str], rid: int, body: Any, if_match: str | None):
    extra = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(f"/api/v1/records/{rid}", json=body, headers={**auth, **extra})


def test_patch_with_bare_and_quoted_versions(client: FlaskClient, headers) -> None:
    draft = make(client, headers["practice_manager"], "A00001", False)
    first = patch(client, headers["practice_manager"], draft["id"], {"data": {"reading": 7}}, "1")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["version"] == 2 and first.get_json()["data"] == {"reading": 7}
    assert first.headers["ETag"] == '"2"'
    second = patch(client, headers["practice_staff"], draft["id"], {"data": {"reading": 8}}, '"2"')
    assert second.status_code == 200 and second.get_json()["version"] == 3


def test_stale_patch_is_409_and_overwrites_nothing(client: FlaskClient, headers) -> None:
    draft = make(client, headers["practice_manager"], "A00001", False)
    rid = draft["id"]
    assert (
        patch(client, headers["practice_staff"], rid, {"data": {"reading": 7}}, "1").status_code
        == 200
    )
    stale = patch(client, headers["practice_manager"], rid, {"data": {"reading": 99}}, "1")
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"] == "conflict" and body["current_version"] == 2 and body["message"]
    now = client.get(f"/api/v1/records/{rid}", headers=headers["practice_manager"]).get_json()
    assert now["data"] == {"reading": 7} and now["version"] == 2


def test_patch_preconditions(client: FlaskClient, headers) -> None:
    rid = make(client, headers["practice_manager"], "A00001", False)["id"]
    pm = headers["practice_manager"]
    missing = patch(client, pm, rid, {"data": {}}, None)
    assert missing.status_code == 428 and missing.get_json()["error"] == "precondition_required"
    for bad in ("abc", "*", 'W/"1"', "1, 2"):
        assert patch(client, pm, rid, {"data": {}}, bad).status_code == 400, bad
    assert patch(client, pm, rid, {"data": {}, "status": "x"}, "1").status_code == 422
    assert patch(client, pm, rid, {"data": []}, "1").status_code == 422


def test_patch_authorisation_comes_before_state(client: FlaskClient, headers, spread) -> None:
    submitted = spread["north_submitted"]["id"]
    # The ICB viewer can read it but not write: 403 even without If-Match or with a stale one.
    for if_match in (None, "1"):
        response = patch(client, headers["icb_viewer"], submitted, {"data": GOOD}, if_match)
        assert response.status_code == 403
    hidden = spread["north_draft"]["id"]
    assert (
        patch(client, headers["practice_manager_2"], hidden, {"data": GOOD}, "1").status_code == 404
    )


def test_submitted_record_is_not_editable(client: FlaskClient, headers, spread) -> None:
    submitted = spread["north_submitted"]
    response = patch(client, headers["practice_manager"], submitted["id"], {"data": GOOD}, "2")
    assert response.status_code == 409 and response.get_json()["error"] == "not_editable"


def test_patch_submit_validates_and_keeps_old_data(client: FlaskClient, headers) -> None:
    rid = make(client, headers["practice_manager"], "A00001", False)["id"]
    bad = patch(
        client, headers["practice_manager"], rid, {"data": {"reading": 100}, "submit": True}, "1"
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.get_json()["errors"]} == {"/reading", "/checked_at"}
    kept = client.get(f"/api/v1/records/{rid}", headers=headers["practice_manager"]).get_json()
    assert kept["data"] == GOOD and kept["version"] == 1 and kept["status"] == "draft"
    good = patch(client, headers["practice_manager"], rid, {"data": GOOD, "submit": True}, "1")
    assert good.status_code == 200 and good.get_json()["status"] == "submitted"


# --- POST /records/{rid}/transitions ---------------------------------------------------------


def act(
    client: FlaskClient, auth: dict[str, str], rid: int, action: str, comment: str | None = None
):
    body = {"action": action} | ({"comment": comment} if comment is not None else {})
    return client.post(f"/api/v1/records/{rid}/transitions", json=body, headers=auth)


def test_workflow_through_the_api(client: FlaskClient, headers) -> None:
    rid = make(client, headers["practice_staff"], "A00001", False)["id"]
    submitted = act(client, headers["practice_staff"], rid, "submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    # Staff may write but not approve: 403, before any question of state.
    assert act(client, headers["practice_staff"], rid, "approve").status_code == 403
    assert act(client, headers["icb_viewer"], rid, "approve").status_code == 403
    needs_comment = act(client, headers["practice_manager"], rid, "return")
    assert needs_comment.status_code == 422
    assert [e["pointer"] for e in needs_comment.get_json()["errors"]] == ["/comment"]
    approved = act(client, headers["practice_manager"], rid, "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = act(client, headers["practice_manager"], rid, "approve")
    assert again.status_code == 409
    assert again.get_json()["error"] == "transition_not_allowed"
    assert again.get_json()["allowed"] == []


def test_return_with_comment_and_unknown_action(client: FlaskClient, headers) -> None:
    rid = make(client, headers["practice_manager"], "A00001", True)["id"]
    unknown = act(client, headers["practice_manager"], rid, "explode")
    assert unknown.status_code == 409
    assert set(unknown.get_json()["allowed"]) == {"approve", "return"}
    returned = act(client, headers["pcn_manager"], rid, "return", "Please recheck")
    assert returned.status_code == 200 and returned.get_json()["status"] == "draft"


def test_submit_of_incomplete_draft_is_422(client: FlaskClient, headers) -> None:
    rid = post(client, headers["practice_manager"], "A00001", {"reading": 3}).get_json()["id"]
    response = act(client, headers["practice_manager"], rid, "submit")
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/checked_at"]
    record = client.get(f"/api/v1/records/{rid}", headers=headers["practice_manager"]).get_json()
    assert record["status"] == "draft"


def test_transition_on_invisible_record_is_404(client: FlaskClient, headers, spread) -> None:
    draft = spread["north_draft"]["id"]
    assert act(client, headers["icb_viewer"], draft, "submit").status_code == 404
    assert act(client, headers["practice_manager_2"], draft, "submit").status_code == 404


def test_transition_body_is_checked(client: FlaskClient, headers, spread) -> None:
    rid = spread["north_draft"]["id"]
    url = f"/api/v1/records/{rid}/transitions"
    response = client.post(url, json={"comment": 5}, headers=headers["practice_manager"])
    assert response.status_code == 422
    assert {e["pointer"] for e in response.get_json()["errors"]} == {"/action", "/comment"}


# --- fields a workflow action needs (sample_workflows.CASE_LOG) -------------------------------


@pytest.fixture
def case_log(db_session: Session, orgs) -> App:
    published = app_service.publish(
        db_session, validate_definition(copy.deepcopy(CASE_LOG)), [orgs["QWE"]], actor=None
    )
    db_session.commit()
    return published.app


def test_close_needs_its_fields_first(client: FlaskClient, headers, case_log) -> None:
    pm, staff = headers["practice_manager"], headers["practice_staff"]
    # Staff fill the case in; the manager, who did not, may close it.
    created = client.post(
        "/api/v1/apps/case_log/records",
        json={"org": "A00001", "data": {"summary": "Fridge alarm"}, "submit": True},
        headers=staff,
    ).get_json()
    assert created["status"] == "open"
    refused = act(client, pm, created["id"], "close")
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "invalid_data"
    assert refused.get_json()["errors"] == [
        {"pointer": "/severity", "message": "Fill in 'Severity' to close"},
        {"pointer": "/outcome", "message": "Fill in 'Outcome' to close"},
    ]
    # (read by whoever created it: "actions" are the caller's own)
    unchanged = client.get(f"/api/v1/records/{created['id']}", headers=staff).get_json()
    assert unchanged == created
    # The open state is editable: fill the answers in, then close.
    data = {"summary": "Fridge alarm", "severity": "high", "outcome": "Stock quarantined"}
    patched = client.patch(
        f"/api/v1/records/{created['id']}",
        json={"data": data},
        headers={**staff, "If-Match": str(created["version"])},
    )
    assert patched.status_code == 200, patched.get_json()
    closed = act(client, pm, created["id"], "close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"


def test_required_fields_do_not_come_before_permission(
    client: FlaskClient, headers, case_log
) -> None:
    created = client.post(
        "/api/v1/apps/case_log/records",
        json={"org": "A00001", "data": {"summary": "x"}, "submit": True},
        headers=headers["practice_staff"],
    ).get_json()
    # Staff may write but not approve, and "close" needs approve: 403, not 422.
    assert act(client, headers["practice_staff"], created["id"], "close").status_code == 403
