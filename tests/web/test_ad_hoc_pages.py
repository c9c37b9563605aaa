"""Ad hoc collection in the browser: a stakeholder user publishes from *Publish an app*,
then sees the app on *My apps*, its submitted records, the returns grid and the dashboard
of its area; other stakeholders and other practices get 404."""

from __future__ import annotations

import html
import json
import re

import pytest
from miniapps.models import App, AppTarget, Organisation
from sqlalchemy import func, select

from tests.ad_hoc import PERIOD, fill_in, publish_as, readiness_definition

DEFINITION = json.dumps(readiness_definition())


@pytest.fixture
def la_app(db_session, stakeholder_users) -> App:
    return publish_as(db_session, stakeholder_users["LAADULT"])


def test_a_stakeholder_publishes_from_the_page(
    client, db_session, stakeholders, stakeholder_users, login
) -> None:
    login(stakeholder_users["LAADULT"])
    page = client.get("/apps/publish")
    raw = page.get_data(as_text=True)
    assert "<strong>Test Council Adult Safeguarding (LAADULT)</strong>" in raw  # markup, not text
    text = html.unescape(raw)
    assert page.status_code == 200
    said = re.sub(r"<[^>]+>", "", text)
    assert "You publish for Test Council Adult Safeguarding (LAADULT)" in said
    assert "the organisations of its area (Test Place)" in said
    assert 'value="PLC01"' in text and 'value="A00004"' in text  # its area, as a tree
    for outside in ("QWE", "PLC99", "LAKIDS", "LAADULT"):
        assert f'value="{outside}"' not in text
    response = client.post(
        "/apps/publish", data={"definition": DEFINITION, "action": "publish", "to": "PLC01"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    app = db_session.get(App, "care_home_readiness")
    assert app is not None and app.owner_id == stakeholders["LAADULT"].id
    codes = db_session.scalars(
        select(Organisation.ods)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app.id)
    )
    assert set(codes) == {"PLC01"}


def test_a_target_outside_the_area_cannot_be_chosen(
    client, db_session, stakeholder_users, login
) -> None:
    login(stakeholder_users["LAADULT"])
    response = client.post(
        "/apps/publish", data={"definition": DEFINITION, "action": "publish", "to": "QWE"}
    )
    assert response.status_code == 422
    assert "Choose at least one organisation" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(App)) == 0


def test_a_stakeholder_without_a_parent_is_told_why_it_cannot_publish(client, users, login) -> None:
    login(users["stakeholder"])
    response = client.get("/apps/publish")
    assert response.status_code == 403
    text = html.unescape(response.get_data(as_text=True))
    assert "Test Council Safeguarding (LA001) covers no area" in text
    assert 'href="/apps/publish"' not in client.get("/").get_data(as_text=True)


def test_the_owner_sees_its_app_records_returns_and_dashboard(
    client, db_session, users, orgs, stakeholder_users, login, la_app
) -> None:
    north = fill_in(db_session, users["practice_staff"], la_app, orgs["A00001"])
    draft = fill_in(
        db_session, users["practice_staff"], la_app, orgs["A00001"], "2025-02", submit=False
    )
    login(stakeholder_users["LAADULT"])
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "Care home visiting and infection control readiness" in home
    listing = client.get("/apps/care_home_readiness/")
    assert listing.status_code == 200
    assert f"/apps/care_home_readiness/records/{north.id}" in listing.get_data(as_text=True)
    assert f"/records/{draft.id}" not in listing.get_data(as_text=True)
    assert client.get(f"/apps/care_home_readiness/records/{north.id}").status_code == 200
    assert client.get(f"/apps/care_home_readiness/records/{draft.id}").status_code == 404
    # The returns grid and the dashboard open on its area, the Place.
    grid = client.get(f"/apps/care_home_readiness/returns?from={PERIOD}&to={PERIOD}")
    assert grid.status_code == 200
    grid_text = html.unescape(grid.get_data(as_text=True))
    assert "Test Place" in grid_text and "Vale Surgery" in grid_text
    dashboard = client.get("/apps/care_home_readiness/dashboard")
    assert dashboard.status_code == 200
    assert "Test Place" in html.unescape(dashboard.get_data(as_text=True))


@pytest.mark.parametrize("who", ["LAKIDS", "LAOTHER"])
def test_other_stakeholders_and_practices_get_404(
    client, db_session, users, orgs, stakeholder_users, login, la_app, who
) -> None:
    record = fill_in(db_session, users["practice_staff"], la_app, orgs["A00001"])
    login(stakeholder_users[who])
    for path in (
        "/apps/care_home_readiness/",
        "/apps/care_home_readiness/returns",
        "/apps/care_home_readiness/dashboard",
        f"/apps/care_home_readiness/records/{record.id}",
    ):
        assert client.get(path).status_code == 404, path
    client.post("/auth/logout")
    login(users["practice_manager_2"])
    assert client.get(f"/apps/care_home_readiness/records/{record.id}").status_code == 404
