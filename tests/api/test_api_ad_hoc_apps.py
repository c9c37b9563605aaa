"""``POST /api/v1/apps`` by a stakeholder user (an ad hoc collection for its area) and what
the owning stakeholder, other stakeholders and other practices then read through the API."""

from __future__ import annotations

import json

import pytest
from miniapps.models import App, AppTarget, Organisation
from sqlalchemy import func, select

from tests.ad_hoc import PERIOD, fill_in, readiness_definition


def app_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(App)) or 0


def targets(db_session, app_id: str) -> set[str]:
    rows = db_session.scalars(
        select(Organisation.ods)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app_id)
    )
    return set(rows)


@pytest.fixture
def published(client, db_session, stakeholder_users, token) -> App:
    """The readiness return published through the API by the adult safeguarding team."""
    headers = token(stakeholder_users["LAADULT"])
    response = client.post("/api/v1/apps", json=readiness_definition(), headers=headers)
    assert response.status_code == 201, response.get_json()
    app = db_session.get(App, "care_home_readiness")
    assert app is not None
    return app


def test_a_stakeholder_publishes_to_its_whole_area_by_default(
    db_session, published, stakeholders
) -> None:
    assert published.owner_id == stakeholders["LAADULT"].id
    assert targets(db_session, published.id) == {"PLC01"}


def test_a_stakeholder_publishes_to_named_organisations_in_its_area(
    client, db_session, stakeholder_users, stakeholders, token
) -> None:
    response = client.post(
        "/api/v1/apps?to=A00001,U00002",
        json=readiness_definition(),
        headers=token(stakeholder_users["LAADULT"]),
    )
    assert response.status_code == 201, response.get_json()
    assert targets(db_session, "care_home_readiness") == {"A00001", "U00002"}
    app = db_session.get(App, "care_home_readiness")
    assert app is not None and app.owner_id == stakeholders["LAADULT"].id


def test_a_target_outside_the_area_is_403_naming_it_and_nothing_is_stored(
    client, db_session, stakeholder_users, token
) -> None:
    response = client.post(
        "/api/v1/apps?to=A00001,QWE",
        json=readiness_definition(),
        headers=token(stakeholder_users["LAADULT"]),
    )
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "forbidden"
    assert "Test ICB (QWE)" in body["message"] and "outside the area" in body["message"]
    assert app_count(db_session) == 0


def test_a_stakeholder_without_a_parent_gets_403_saying_why(
    client, db_session, users, token
) -> None:
    response = client.post(
        "/api/v1/apps", json=readiness_definition(), headers=token(users["stakeholder"])
    )
    assert response.status_code == 403
    message = response.get_json()["message"]
    assert "Test Council Safeguarding (LA001) covers no area" in message
    assert app_count(db_session) == 0


def test_the_owner_reads_the_list_records_and_dashboard(
    client, db_session, users, orgs, stakeholder_users, token, published
) -> None:
    north = fill_in(db_session, users["practice_staff"], published, orgs["A00001"])
    draft = fill_in(
        db_session, users["practice_staff"], published, orgs["A00001"], "2025-02", submit=False
    )
    headers = token(stakeholder_users["LAADULT"])
    listed = client.get("/api/v1/apps", headers=headers).get_json()
    assert [a["id"] for a in listed["items"]] == ["care_home_readiness"]
    records = client.get("/api/v1/apps/care_home_readiness/records", headers=headers).get_json()
    assert [r["id"] for r in records["items"]] == [north.id]
    one = client.get(f"/api/v1/records/{north.id}", headers=headers)
    assert one.status_code == 200 and one.get_json()["period"] == PERIOD
    assert client.get(f"/api/v1/records/{draft.id}", headers=headers).status_code == 404
    dashboard = client.get(
        "/api/v1/apps/care_home_readiness/dashboard?org=PLC01", headers=headers
    ).get_json()
    assert dashboard["widgets"][0]["data"]["total"] == 1


@pytest.mark.parametrize("who", ["LAKIDS", "ICBQ", "LAOTHER"])
def test_other_stakeholders_get_404(
    client, db_session, users, orgs, stakeholder_users, token, published, who
) -> None:
    record = fill_in(db_session, users["practice_staff"], published, orgs["A00001"])
    headers = token(stakeholder_users[who])
    assert client.get("/api/v1/apps", headers=headers).get_json()["items"] == []
    for path in (
        "/api/v1/apps/care_home_readiness",
        "/api/v1/apps/care_home_readiness/records",
        "/api/v1/apps/care_home_readiness/dashboard",
        f"/api/v1/records/{record.id}",
    ):
        assert client.get(path, headers=headers).status_code == 404, path


def test_another_practice_gets_404_on_a_practices_return(
    client, db_session, users, orgs, token, published
) -> None:
    record = fill_in(db_session, users["practice_staff"], published, orgs["A00001"])
    headers = token(users["practice_manager_2"])
    assert client.get(f"/api/v1/records/{record.id}", headers=headers).status_code == 404


def test_a_pcn_manager_cannot_publish_over_the_stakeholders_app(
    client, db_session, users, token, published
) -> None:
    raw = readiness_definition(version=2)
    response = client.post(
        "/api/v1/apps?to=U00001", data=json.dumps(raw), headers=token(users["pcn_manager"]),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert "belongs to Test Council Adult Safeguarding (LAADULT)" in response.get_json()["message"]
    db_session.expire_all()
    assert db_session.get(App, "care_home_readiness").latest_version == 1
