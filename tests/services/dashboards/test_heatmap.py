"""Issue 14: the ``heatmap`` dashboard widget (the risk register's open risks by likelihood
and impact) and the ``states`` filter of declared widgets."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.models import App, Organisation
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.dashboards.heatmap import DEFAULT_BANDS, band_of
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.cqc_peer_apps import RISKS, cqc_definition, publish_cqc, seed_risks


@pytest.fixture
def risk_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    app = publish_cqc(db_session, "cqc_risk_register", [orgs["QWE"]])
    seed_risks(db_session, app, orgs["A00001"], RISKS)
    seed_risks(db_session, app, orgs["A00003"], [(2, 4, "open")])
    return app


def widgets(db_session, users, app, org=None, who="pcn_manager") -> dict[str, Any]:
    result = app_dashboard(db_session, Access(users[who]), app, org)
    return {w["id"]: w for w in result["widgets"]}


def test_open_risks_are_counted_in_a_five_by_five_grid(db_session, users, orgs, risk_app) -> None:
    heatmap = widgets(db_session, users, risk_app, orgs["A00001"])["heatmap"]
    assert heatmap["type"] == "heatmap"
    data = heatmap["data"]
    assert data["x"] == {"field": "/likelihood", "title": "Likelihood", "values": [1, 2, 3, 4, 5]}
    assert data["y"]["title"] == "Impact"
    assert data["bands"] == [dict(band) for band in DEFAULT_BANDS]
    # Impact from high to low, likelihood from low to high: the grid as it is read.
    assert [(c["x"], c["y"]) for c in data["cells"][:6]] == [
        (1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (1, 4),
    ]  # fmt: skip
    counted = {(c["x"], c["y"]): c["count"] for c in data["cells"] if c["count"]}
    assert counted == {(5, 5): 1, (4, 5): 2, (3, 3): 1, (1, 2): 1}
    cell = next(c for c in data["cells"] if (c["x"], c["y"]) == (4, 5))
    assert cell == {"x": 4, "y": 5, "count": 2, "score": 20, "band": "Extreme"}
    assert data["total"] == 5
    bands = {(c["x"], c["y"]): c["band"] for c in data["cells"]}
    assert bands[(1, 3)] == "Low" and bands[(2, 3)] == "Moderate"
    assert bands[(3, 3)] == "High" and bands[(3, 5)] == "Extreme"


def test_states_keep_other_widgets_to_open_risks_too(db_session, users, orgs, risk_app) -> None:
    found = widgets(db_session, users, risk_app, orgs["A00001"])
    assert found["open_risks"]["data"]["value"] == 5
    assert len(found["register"]["data"]["rows"]) == 5
    assert found["records"]["data"]["total"] == 6  # the contract widget counts every state


def test_the_pcn_sees_its_practices_only(db_session, users, orgs, risk_app) -> None:
    data = widgets(db_session, users, risk_app)["heatmap"]["data"]
    assert data["total"] == 5  # A00003 is in the other PCN
    admin = widgets(db_session, users, risk_app, who="platform_admin")["heatmap"]["data"]
    assert admin["total"] == 6


def test_bands_can_be_configured(db_session, users, orgs) -> None:
    raw = copy.deepcopy(cqc_definition("cqc_risk_register"))
    widget = next(w for w in raw["dashboard"]["widgets"] if w["type"] == "heatmap")
    widget["bands"] = [
        {"max": 9, "label": "Tolerable"},
        {"max": 25, "label": "Act now", "colour": "red"},
    ]
    del widget["states"]
    app = publish_cqc(db_session, "cqc_risk_register", [orgs["QWE"]], raw)
    seed_risks(db_session, app, orgs["A00001"], [(3, 3, "open"), (2, 5, "closed")])
    data = widgets(db_session, users, app, orgs["A00001"])["heatmap"]["data"]
    assert data["bands"] == [
        {"max": 9, "label": "Tolerable", "colour": "grey"},
        {"max": 25, "label": "Act now", "colour": "red"},
    ]
    counted = {(c["x"], c["y"]): (c["count"], c["band"]) for c in data["cells"] if c["count"]}
    assert counted == {(3, 3): (1, "Tolerable"), (2, 5): (1, "Act now")}


def test_answers_outside_the_grid_are_left_out(db_session, users, orgs) -> None:
    app = publish_cqc(db_session, "cqc_risk_register", [orgs["QWE"]])
    seed_risks(db_session, app, orgs["A00001"], [(3, 2, "open"), ("3", 2, "open"), (9, 2, "open")])
    data = widgets(db_session, users, app, orgs["A00001"])["heatmap"]["data"]
    assert data["total"] == 1


def test_band_of_a_score_above_every_band_is_none() -> None:
    assert band_of([{"max": 3, "label": "Low"}], 4) is None
    assert band_of(list(DEFAULT_BANDS), 12) == "High"


def test_the_api_answers_the_heatmap_contract(
    client, db_session, users, orgs, risk_app, token
) -> None:
    headers = token(users["practice_manager"])
    body = client.get("/api/v1/apps/cqc_risk_register/dashboard?org=A00001", headers=headers)
    assert body.status_code == 200
    heatmap = next(w for w in body.get_json()["widgets"] if w["type"] == "heatmap")
    assert set(heatmap["data"]) >= {"cells", "bands"}
    assert len(heatmap["data"]["cells"]) == 25
    assert set(heatmap["data"]["cells"][0]) == {"x", "y", "count", "score", "band"}
