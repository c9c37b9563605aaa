"""Issue 11 through the API: a second record for a period is 409 naming the first; the
author of a record may not approve it (403, before any 409 about its state)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.publishing import publish_app

MONTHLY: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {"type": "object", "properties": {"patients": {"type": "integer"}}},
}
RECORDS = "/api/v1/apps/monthly_return/records"


@pytest.fixture
def headers(db_session, orgs, users, token) -> dict[str, dict[str, str]]:
    publish_app(db_session, MONTHLY, [orgs["QWE"]])
    return {key: token(user) for key, user in users.items()}


def create(client: FlaskClient, auth: dict[str, str], **extra: Any):
    body = {"org": "A00001", "period": "2025-11", "data": {"patients": 10}, **extra}
    return client.post(RECORDS, json=body, headers=auth)


def act(client: FlaskClient, auth: dict[str, str], rid: int, action: str):
    return client.post(f"/api/v1/records/{rid}/transitions", json={"action": action}, headers=auth)


def test_a_second_record_for_the_period_is_409_naming_the_first(client, headers) -> None:
    first = create(client, headers["practice_staff"])
    assert first.status_code == 201
    rid = first.get_json()["id"]
    second = create(client, headers["practice_manager"], data={"patients": 99}, submit=True)
    assert second.status_code == 409
    body = second.get_json()
    assert body["error"] == "record_exists" and body["record_id"] == rid
    assert f"record {rid}" in body["message"]
    assert body["record"] == f"/api/v1/records/{rid}"
    listed = client.get(RECORDS, headers=headers["practice_manager"]).get_json()
    assert listed["total"] == 1
    # Another period is free.
    assert create(client, headers["practice_staff"], period="2025-10").status_code == 201


def test_who_may_not_write_there_gets_403_not_409(client, headers) -> None:
    assert create(client, headers["practice_staff"]).status_code == 201
    refused = create(client, headers["practice_manager_2"])  # another PCN's practice
    assert refused.status_code == 403
    assert "record" not in refused.get_json()


def test_the_author_may_not_approve_through_the_api(client, headers) -> None:
    # The PCN manager fills in a practice's return: someone else must approve it.
    rid = create(client, headers["pcn_manager"], submit=True).get_json()["id"]
    own = act(client, headers["pcn_manager"], rid, "approve")
    assert own.status_code == 403
    assert own.get_json()["error"] == "forbidden"
    assert "you submitted this record or last changed its answers" in own.get_json()["message"]
    approved = act(client, headers["platform_admin"], rid, "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    # 403 before 409: approved already, but it is still not the author's to approve.
    assert act(client, headers["pcn_manager"], rid, "approve").status_code == 403
    assert act(client, headers["platform_admin"], rid, "approve").status_code == 409


def test_a_practice_return_is_approved_by_the_level_above(client, headers) -> None:
    rid = create(client, headers["practice_staff"], submit=True).get_json()["id"]
    manager = act(client, headers["practice_manager"], rid, "approve")
    assert manager.status_code == 403
    assert "The level above reviews North Surgery's returns" in manager.get_json()["message"]
    assert act(client, headers["pcn_manager"], rid, "approve").get_json()["status"] == "approved"
