"""API errors: authentication, request parsing and unknown routes, always answered in JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from miniapps.models import ApiToken, Record, User
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def assert_json_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body["message"], str) and body["message"]
    if error is not None:
        assert body["error"] == error
    return body


def record_count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Record)) or 0


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/apps"),
        ("post", "/api/v1/apps"),
        ("get", "/api/v1/apps/fridge_log"),
        ("get", "/api/v1/apps/fridge_log/records"),
        ("post", "/api/v1/apps/fridge_log/records"),
        ("get", "/api/v1/apps/fridge_log/dashboard?org=QWE"),
        ("get", "/api/v1/records/1"),
        ("patch", "/api/v1/records/1"),
        ("post", "/api/v1/records/1/transitions"),
    ],
)
def test_every_route_needs_a_token(client: FlaskClient, fridge_app, method: str, path: str) -> None:
    response = getattr(client, method)(path, json={})
    body = assert_json_error(response, 401, "unauthorized")
    assert "Bearer" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header",
    ["Bearer mna_not-a-real-token", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz", "mna_abc"],
)
def test_bad_or_unknown_token_is_401_json(client: FlaskClient, users, header: str) -> None:
    response = client.get("/api/v1/apps", headers={"Authorization": header})
    assert_json_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_invalid_token_is_flagged_in_the_challenge(client: FlaskClient, users) -> None:
    response = client.get("/api/v1/apps", headers={"Authorization": "Bearer mna_wrong"})
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_token_is_refused(client: FlaskClient, users, token, db_session: Session) -> None:
    headers = token(users["practice_manager"])
    assert client.get("/api/v1/apps", headers=headers).status_code == 200
    for row in db_session.scalars(select(ApiToken)):
        row.revoked_at = datetime.now(UTC)
    db_session.commit()
    assert_json_error(client.get("/api/v1/apps", headers=headers), 401, "unauthorized")


def test_inactive_user_token_is_refused(
    client: FlaskClient, users, token, db_session: Session
) -> None:
    headers = token(users["practice_manager"])
    user = db_session.get(User, users["practice_manager"].id)
    assert user is not None
    user.active = False
    db_session.commit()
    assert_json_error(client.get("/api/v1/apps", headers=headers), 401, "unauthorized")


def test_a_browser_session_is_not_enough(client: FlaskClient, users, fridge_app, login) -> None:
    login(users["practice_manager"])
    response = client.get("/api/v1/apps")
    assert_json_error(response, 401, "unauthorized")


def test_token_wins_over_a_session_cookie(
    client: FlaskClient, users, fridge_app, login, token
) -> None:
    """Signed in as the admin in the browser, the API still acts as the token's user."""
    login(users["platform_admin"])
    headers = token(users["stakeholder"])
    response = client.get("/api/v1/apps", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_token_scheme_is_case_insensitive(client: FlaskClient, users, token, fridge_app) -> None:
    value = token(users["practice_manager"])["Authorization"].split(" ", 1)[1]
    response = client.get("/api/v1/apps", headers={"Authorization": f"bearer {value}"})
    assert response.status_code == 200


def test_openapi_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


# --- unknown routes and methods -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/apps", "/api/v1/records/abc"])
def test_unknown_routes_are_404_json(client: FlaskClient, path: str) -> None:
    assert_json_error(client.get(path), 404)


def test_wrong_method_is_405_json(client: FlaskClient, users, token) -> None:
    response = client.delete("/api/v1/apps", headers=token(users["platform_admin"]))
    assert_json_error(response, 405)


# --- request bodies -------------------------------------------------------------------------


@pytest.fixture
def pm_headers(users, token, fridge_app) -> dict[str, str]:
    return token(users["practice_manager"])


RECORDS = "/api/v1/apps/fridge_log/records"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "org=A00001"),
        ("text/plain", '{"org": "A00001", "data": {}}'),
        (None, '{"org": "A00001", "data": {}}'),
    ],
)
def test_wrong_content_type_is_415(
    client: FlaskClient, pm_headers, db_session: Session, content_type, body
) -> None:
    headers = dict(pm_headers)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(RECORDS, data=body, headers=headers)
    assert_json_error(response, 415, "unsupported_media_type")
    assert record_count(db_session) == 0


def test_json_with_charset_and_suffix_types_are_accepted(client: FlaskClient, pm_headers) -> None:
    for content_type in ("application/json; charset=utf-8", "application/vnd.miniapps+json"):
        response = client.post(
            RECORDS,
            data='{"org": "A00001", "data": {"reading": 4}}',
            headers={**pm_headers, "Content-Type": content_type},
        )
        assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"org": "A00001", "data": {', "line 1"),
        ("{'org': 'A00001'}", "valid JSON"),
        ("", "empty"),
        ('{"org": "A00001", "data": {"reading": NaN}}', "NaN"),
        ('{"org": "A00001", "org": "A00002", "data": {}}', "twice"),
    ],
)
def test_malformed_json_is_400_naming_the_problem(
    client: FlaskClient, pm_headers, db_session: Session, body: str, words: str
) -> None:
    response = client.post(
        RECORDS, data=body, headers={**pm_headers, "Content-Type": "application/json"}
    )
    payload = assert_json_error(response, 400, "malformed_json")
    assert words in payload["message"]
    assert record_count(db_session) == 0


def test_invalid_utf8_is_400(client: FlaskClient, pm_headers) -> None:
    response = client.post(
        RECORDS, data=b'{"org": "\xff"}', headers={**pm_headers, "Content-Type": "application/json"}
    )
    assert_json_error(response, 400, "malformed_json")


@pytest.mark.parametrize("body", [[1, 2], "text", 5, None])
def test_body_that_is_not_an_object_is_422(client: FlaskClient, pm_headers, body) -> None:
    response = client.post(
        RECORDS, data=json.dumps(body), headers={**pm_headers, "Content-Type": "application/json"}
    )
    payload = assert_json_error(response, 422, "invalid_request")
    assert payload["errors"][0]["pointer"] == ""


def test_unknown_and_mistyped_members_are_422_with_pointers(
    client: FlaskClient, pm_headers, db_session: Session
) -> None:
    response = client.post(
        RECORDS,
        json={"org": 1, "data": {"reading": 4}, "submit": "yes", "colour": "red"},
        headers=pm_headers,
    )
    payload = assert_json_error(response, 422, "invalid_request")
    pointers = {e["pointer"] for e in payload["errors"]}
    assert pointers == {"/org", "/submit", "/colour"}
    assert all(e["message"] for e in payload["errors"])
    assert record_count(db_session) == 0


def test_missing_members_point_at_themselves(client: FlaskClient, pm_headers) -> None:
    response = client.post(RECORDS, json={}, headers=pm_headers)
    payload = assert_json_error(response, 422, "invalid_request")
    assert {e["pointer"] for e in payload["errors"]} == {"/org", "/data"}


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "99999999999"])
def test_bad_page_is_400(client: FlaskClient, pm_headers, page: str) -> None:
    for path in ("/api/v1/apps", RECORDS):
        assert_json_error(client.get(f"{path}?page={page}", headers=pm_headers), 400, "bad_request")


def test_unknown_query_parameter_is_400(client: FlaskClient, pm_headers) -> None:
    response = client.get(f"{RECORDS}?state=draft", headers=pm_headers)
    body = assert_json_error(response, 400, "bad_request")
    assert "state" in body["message"]


def test_repeated_query_parameter_is_400(client: FlaskClient, pm_headers) -> None:
    response = client.get(f"{RECORDS}?org=A00001&org=A00002", headers=pm_headers)
    assert_json_error(response, 400, "bad_request")
