"""``permissions.dashboard``: a role that sees an app's figures without reading its records.

The PCN manager of the test tree (U00001) sees the counts of the PCN's practices on the
dashboard page, its CSV and the API, while the app's records, their lists and exports
are a 404 to them, and a table widget (it lists records' answers) lists none and says
why. Someone who reads one practice and counts another PCN sees the counts of both and
the records of theirs only. Apps without the member behave as before."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.models import App, Record
from miniapps.services import users as user_service
from miniapps.services.dashboards.record_tables import READ_ONLY_NOTE
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service

from tests.publishing import publish_app

PRACTICE_ROLES = ["practice_staff", "practice_manager"]
NOTE = "Bruise on the left arm"  # an answer only readers may see
HARM_LOG: dict[str, Any] = {
    "id": "harm_log",
    "title": "Harm log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["harm"],
        "properties": {
            "harm": {"type": "string", "title": "Harm", "enum": ["low", "high"]},
            "note": {"type": "string", "title": "Note"},
        },
    },
    "dashboard": {
        "widgets": [
            {"id": "reports", "type": "metric", "title": "Reports"},
            {"id": "latest", "type": "table", "title": "Latest", "columns": ["/harm", "/note"]},
        ]
    },
    "permissions": {
        "read": PRACTICE_ROLES,
        "write": PRACTICE_ROLES,
        "dashboard": ["pcn_manager", "icb_viewer"],
    },
}
URL = "/api/v1/apps/harm_log"


def harm_log(with_member: bool = True) -> dict[str, Any]:
    raw = copy.deepcopy(HARM_LOG)
    if not with_member:
        del raw["permissions"]
    return raw


def make_records(db_session, users, orgs, app: App) -> list[Record]:
    made = []
    for key, ods, harm in (
        ("practice_staff", "A00001", "high"),
        ("practice_staff", "A00001", "low"),
        ("practice_manager_2", "A00003", "low"),
    ):
        user = users[key]
        made.append(
            record_service.create_record(
                db_session,
                Access(user),
                app,
                orgs[ods],
                {"harm": harm, "note": f"{NOTE} ({ods})"},
                submit=True,
                actor=user,
            )
        )
    db_session.commit()
    return made


@pytest.fixture
def records(db_session, users, orgs) -> list[Record]:
    app = publish_app(db_session, harm_log(), [orgs["QWE"]])
    return make_records(db_session, users, orgs, app)


def widgets(client, headers: dict[str, str], org: str | None = None) -> dict[str, Any]:
    response = client.get(URL + "/dashboard" + (f"?org={org}" if org else ""), headers=headers)
    assert response.status_code == 200, response.get_json()
    return {w["id"]: w["data"] for w in response.get_json()["widgets"]}


def test_the_api_gives_a_figures_only_role_its_pcns_counts(client, users, token, records):
    headers = token(users["pcn_manager"])
    for org in ("U00001", None):  # the PCN, or everything they may count: the same
        got = widgets(client, headers, org)
        assert got["records"] == {"total": 2, "by_org": {"A00001": 2}}
        assert got["reports"]["value"] == 2
        assert got["latest"]["rows"] == []
        assert got["latest"]["restricted"].startswith("You see the figures of Harm log here")
    assert widgets(client, headers, "A00001")["records"]["total"] == 2  # drill down
    assert client.get(URL + "/dashboard?org=U00002", headers=headers).status_code == 403
    viewer = widgets(client, token(users["icb_viewer"]))
    assert viewer["records"]["total"] == 3 and viewer["latest"]["rows"] == []


def test_the_page_and_csv_show_counts_and_no_answers(client, users, login, records) -> None:
    login(users["pcn_manager"])
    page = client.get("/apps/harm_log/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "North PCN" in html and NOTE not in html
    assert "not its records, so no records are listed" in html
    assert 'href="/apps/harm_log/"' not in html  # the menu does not offer the records
    csv = client.get("/apps/harm_log/dashboard.csv?widget=latest").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("Organisation")
    assert NOTE not in csv and len(csv.strip().splitlines()) == 1
    counts = client.get("/apps/harm_log/dashboard.csv?widget=records").get_data(as_text=True)
    assert counts.splitlines()[1:] == ["North Surgery,A00001,2"]
    # The home page's card goes to the dashboard, not to a list that is a 404.
    assert 'href="/apps/harm_log/dashboard"' in client.get("/").get_data(as_text=True)


def test_records_lists_exports_and_records_are_404(client, users, login, token, records):
    login(users["pcn_manager"])
    record = records[0]
    for path in (
        "/apps/harm_log/",
        "/apps/harm_log/export",
        "/apps/harm_log/export?format=json",
        f"/apps/harm_log/records/{record.id}",
    ):
        assert client.get(path).status_code == 404, path
    headers = token(users["pcn_manager"])
    for path in (URL + "/records", f"/api/v1/records/{record.id}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert NOTE not in response.get_data(as_text=True)
    # The app itself is still theirs to find (its dashboard is).
    assert client.get(URL, headers=headers).status_code == 200


def test_readers_see_their_records_in_the_table(client, users, token, login, records) -> None:
    got = widgets(client, token(users["practice_manager"]))
    assert got["records"]["total"] == 2
    assert sorted(r["values"][0] for r in got["latest"]["rows"]) == ["high", "low"]
    assert "restricted" not in got["latest"]
    login(users["practice_manager"])
    html = client.get("/apps/harm_log/").get_data(as_text=True)
    assert "2 records" in html and 'href="/apps/harm_log/"' in html


def test_reading_one_practice_and_counting_another_pcn(
    client, db_session, users, orgs, token, records
) -> None:
    manager = users["practice_manager"]
    user_service.create_user(db_session, manager.email, "x", None, "pcn_manager", orgs["U00002"])
    db_session.commit()
    got = widgets(client, token(manager))
    assert got["records"] == {"total": 3, "by_org": {"A00001": 2, "A00003": 1}}
    rows = got["latest"]["rows"]
    assert {r["ods"] for r in rows} == {"A00001"} and len(rows) == 2  # not A00003's answers
    assert got["latest"]["restricted"] == READ_ONLY_NOTE
    listed = client.get(URL + "/records", headers=token(manager)).get_json()
    assert listed["total"] == 2


def test_apps_without_the_member_are_unchanged(
    client, db_session, users, orgs, token, login
) -> None:
    app = publish_app(db_session, harm_log(with_member=False), [orgs["QWE"]])
    make_records(db_session, users, orgs, app)
    headers = token(users["pcn_manager"])
    got = widgets(client, headers)
    assert got["records"]["total"] == 2 and "restricted" not in got["latest"]
    assert len(got["latest"]["rows"]) == 2
    assert client.get(URL + "/records", headers=headers).get_json()["total"] == 2
    login(users["pcn_manager"])
    assert client.get("/apps/harm_log/").status_code == 200
    assert client.get("/apps/harm_log/export").status_code == 200
    assert 'href="/apps/harm_log/"' in client.get("/apps/harm_log/dashboard").get_data(as_text=True)
