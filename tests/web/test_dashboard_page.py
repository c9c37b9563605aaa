"""The dashboard page: numbers per scope, permission checks, period validation."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.core.definitions import validate_definition
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from sqlalchemy.orm import Session

DEFINITION: dict[str, Any] = {
    "id": "page_dash",
    "title": "Page dashboard",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "state": {
                "title": "State",
                "oneOf": [{"const": "ok", "title": "In range"}, {"const": "warm", "title": "Warm"}],
            },
            "alarm": {"type": "boolean", "title": "Alarm sounded"},
        },
    },
}


@pytest.fixture
def dash_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    published = app_service.publish(
        db_session, validate_definition(DEFINITION), [orgs["QWE"]], actor=None
    )
    rows = [
        ("A00001", "2025-04", {"reading": 4.0, "state": "ok", "alarm": False}, "submitted"),
        ("A00001", "2025-05", {"reading": 6.5, "state": "warm", "alarm": True}, "submitted"),
        ("A00001", "2025-06", {"reading": 90.0, "state": "warm", "alarm": True}, "draft"),
        ("A00002", "2025-04", {"reading": 3.0, "state": "ok", "alarm": False}, "submitted"),
        ("A00003", "2025-04", {"reading": 7.25, "state": "ok", "alarm": False}, "submitted"),
    ]
    for ods, period, data, status in rows:
        db_session.add(
            Record(
                app_id="page_dash",
                app_version=1,
                organisation=orgs[ods],
                period=period,
                data=data,
                status=status,
            )
        )
    db_session.commit()
    return published.app


def embedded(response: Any) -> dict[str, Any]:
    """The dashboard JSON the page embeds for its charts."""
    html = response.get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html)
    assert match, html
    return json.loads(match.group(1))


def widgets(response: Any) -> dict[str, dict[str, Any]]:
    return {w["id"]: w for w in embedded(response)["dashboard"]["widgets"]}


def test_practice_manager_sees_their_practice(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["practice_manager"])
    response = client.get("/apps/page_dash/dashboard")
    assert response.status_code == 200
    found = widgets(response)
    assert embedded(response)["dashboard"]["org"] == "A00001"
    assert found["records"]["data"] == {"total": 2, "by_org": {"A00001": 2}}
    assert found["/reading"]["data"] == {
        "count": 2,
        "sum": 10.5,
        "mean": 5.25,
        "min": 4.0,
        "max": 6.5,
    }
    assert found["/state"]["data"] == {"counts": {"ok": 1, "warm": 1}}
    assert found["/alarm"]["data"] == {"counts": {"false": 1, "true": 1}}
    text = unescape(response.get_data(as_text=True))
    assert "North Surgery" in text and "A00001" in text
    assert "In range" in text and "Alarm sounded" in text and "Yes" in text
    assert "5.25" in text and "10.5" in text
    assert "/api/v1/apps/page_dash/dashboard?org=A00001" in text
    assert "South Surgery" not in text  # another PCN's practice is neither counted nor offered


def test_practice_manager_cannot_see_another_pcn(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["practice_manager"])
    assert client.get("/apps/page_dash/dashboard?org=A00003").status_code == 403
    assert client.get("/apps/page_dash/dashboard?org=U00001").status_code == 403


def test_practice_manager_all_orgs_is_still_their_own(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["practice_manager"])
    response = client.get("/apps/page_dash/dashboard?org=")
    assert response.status_code == 200
    assert widgets(response)["records"]["data"]["by_org"] == {"A00001": 2}


def test_icb_viewer_sees_everything_and_drills_down(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    response = client.get("/apps/page_dash/dashboard")
    assert response.status_code == 200
    found = widgets(response)
    assert found["records"]["data"] == {
        "total": 4,
        "by_org": {"A00001": 2, "A00002": 1, "A00003": 1},
    }
    assert found["/reading"]["data"]["sum"] == 20.75
    text = response.get_data(as_text=True)
    assert 'href="/apps/page_dash/dashboard?org=A00003"' in text
    north = widgets(client.get("/apps/page_dash/dashboard?org=U00001"))
    assert north["records"]["data"] == {"total": 3, "by_org": {"A00001": 2, "A00002": 1}}


def test_period_filter(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    may = widgets(client.get("/apps/page_dash/dashboard?from=2025-05&to=2025-05"))
    assert may["records"]["data"] == {"total": 1, "by_org": {"A00001": 1}}
    quarter = widgets(client.get("/apps/page_dash/dashboard?from=2025-Q2&to=2025-Q2"))
    assert quarter["records"]["data"]["total"] == 4
    assert widgets(client.get("/apps/page_dash/dashboard?from=2026"))["records"]["data"] == {
        "total": 0,
        "by_org": {},
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=April", "From must be a month (2025-04), a quarter (2025-Q1) or a year (2025)"),
        ("to=2025-13", "To must be a month (2025-04), a quarter (2025-Q1) or a year (2025)"),
        ("from=2025-06&to=2025-04", "To must be the same as or after From"),
    ],
)
def test_bad_period_is_explained(
    client: FlaskClient,
    login: Any,
    users: dict[str, User],
    dash_app: App,
    query: str,
    message: str,
) -> None:
    login(users["icb_viewer"])
    response = client.get(f"/apps/page_dash/dashboard?{query}")
    assert response.status_code == 400
    text = unescape(response.get_data(as_text=True))
    assert "There is a problem" in text
    assert message in text


def test_unknown_organisation_is_404(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    assert client.get("/apps/page_dash/dashboard?org=ZZZ99").status_code == 404


def test_sign_in_required(client: FlaskClient, dash_app: App) -> None:
    response = client.get("/apps/page_dash/dashboard")
    assert response.status_code in (302, 401)
