"""The dashboard page: numbers per scope, permission checks, period validation."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from miniapps.models import App, User

from tests.sample_definitions import TEST_INDICATOR

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


ROWS = [
    ("A00001", "2025-04", {"reading": 4.0, "state": "ok", "alarm": False}, "submitted"),
    ("A00001", "2025-05", {"reading": 6.5, "state": "warm", "alarm": True}, "submitted"),
    ("A00001", "2025-06", {"reading": 90.0, "state": "warm", "alarm": True}, "draft"),
    ("A00002", "2025-04", {"reading": 3.0, "state": "ok", "alarm": False}, "submitted"),
    ("A00003", "2025-04", {"reading": 7.25, "state": "ok", "alarm": False}, "submitted"),
]


@pytest.fixture
def dash_app(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, ROWS)


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


# Drill-down, breadcrumbs, CSV downloads and field filters.


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def breadcrumb_links(response: Any) -> list[str]:
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="nhsuk-breadcrumb".*?</nav>', html, re.S)
    if nav is None:
        return []
    links = re.findall(r'class="nhsuk-breadcrumb__link"[^>]*>\s*(.*?)\s*</a>', nav.group(0))
    return [unescape(t).strip() for t in links]


def test_drill_down_links_keep_the_filters(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    response = client.get("/apps/page_dash/dashboard?org=PLC01&from=2025-04&to=2025-05")
    found = widgets(response)
    children = found["records#by_org"]["data"]["children"]
    assert [(c["ods"], c["count"]) for c in children] == [("U00001", 3), ("U00002", 1)]
    means = found["/reading#by_org"]["data"]
    assert means["parent"]["mean"] == 5.1875
    assert [(c["ods"], c["mean"]) for c in means["children"]] == [("U00002", 7.25), ("U00001", 4.5)]
    html = response.get_data(as_text=True)
    for ods in ("U00001", "U00002"):  # one level down, same periods: a shareable URL
        assert f'href="/apps/page_dash/dashboard?org={ods}&amp;from=2025-04&amp;to=2025-05"' in html
    charts = {p["id"]: p["chart"] for p in embedded(response)["panels"]}
    bars = charts["/reading#by_org"]
    assert bars["labels"] == ["South PCN", "North PCN"]
    assert bars["datasets"] == [
        {"label": "Mean", "values": [7.25, 4.5]},
        {"label": "Average for Test Place", "values": [5.1875, 5.1875], "style": "line"},
    ]
    assert bars["links"][0] == "/apps/page_dash/dashboard?org=U00002&from=2025-04&to=2025-05"
    assert charts["/reading#trend"]["kind"] == "line"
    assert charts["/reading"] is None  # a summary has a table only


def test_breadcrumbs_show_only_levels_the_user_may_read(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    crumbs = breadcrumb_links(client.get("/apps/page_dash/dashboard?org=A00001&from=2025-04"))
    assert crumbs == ["Test ICB", "Test Place", "North PCN"]
    html = client.get("/apps/page_dash/dashboard?org=A00001&from=2025-04").get_data(as_text=True)
    assert 'href="/apps/page_dash/dashboard?org=PLC01&amp;from=2025-04"' in html
    client.post("/auth/logout")
    login(users["pcn_manager"])
    assert breadcrumb_links(client.get("/apps/page_dash/dashboard?org=A00002")) == ["North PCN"]
    client.post("/auth/logout")
    login(users["practice_manager"])
    assert breadcrumb_links(client.get("/apps/page_dash/dashboard?org=A00001")) == []


def test_every_panel_has_a_table_and_csv_link(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["pcn_manager"])
    response = client.get("/apps/page_dash/dashboard?org=U00001")
    html = unescape(response.get_data(as_text=True))
    ids = [w["id"] for w in embedded(response)["dashboard"]["widgets"]]
    assert "records#by_org" in ids and "/reading#trend" in ids
    assert html.count("<table") == len(ids)
    for widget_id in ids:
        link = f"/apps/page_dash/dashboard.csv?widget={quote(widget_id, safe='/')}&org=U00001"
        assert f'href="{link}"' in html, widget_id
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert 'src="/static/js/charts.mjs"' in html


def test_csv_download_of_a_widget(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["pcn_manager"])
    base = "/apps/page_dash/dashboard.csv?org=U00001&widget="
    response = client.get(base + quote("/reading#by_org", safe=""))
    assert (
        'filename="page_dash-reading-by-org-U00001.csv"' in response.headers["Content-Disposition"]
    )
    assert csv_rows(response) == [
        [
            "Organisation",
            "ODS code",
            "Count",
            "Mean",
            "Minimum",
            "Maximum",
            "Difference from average",
        ],
        ["North Surgery", "A00001", "2", "5.25", "4.0", "6.5", "0.75"],
        ["Hill Surgery", "A00002", "1", "3.0", "3.0", "3.0", "-1.5"],
    ]
    assert csv_rows(client.get(base + quote("/reading#trend", safe="") + "&from=2025-05")) == [
        ["Period", "Count", "Sum", "Mean"],
        ["May 2025", "1", "6.5", "6.5"],
    ]
    assert csv_rows(client.get(base + "records")) == [
        ["Organisation", "ODS code", "Records"],
        ["North Surgery", "A00001", "2"],
        ["Hill Surgery", "A00002", "1"],
    ]
    assert csv_rows(client.get(base + quote("/alarm", safe=""))) == [
        ["Value", "Count"],
        ["Yes", "1"],
        ["No", "2"],
    ]
    assert client.get(base + "nothing").status_code == 404
    assert client.get("/apps/page_dash/dashboard.csv?org=A00003&widget=records").status_code == 403


def test_field_filter_restricts_every_widget_and_is_kept_in_links(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    response = client.get("/apps/page_dash/dashboard?org=QWE&f%5B%2Fstate%5D=ok")
    assert response.status_code == 200
    found = widgets(response)
    assert found["records"]["data"] == {
        "total": 3,
        "by_org": {"A00001": 1, "A00002": 1, "A00003": 1},
    }
    assert found["/reading"]["data"]["sum"] == 14.25
    assert found["/state"]["data"] == {"counts": {"ok": 3}}
    html = response.get_data(as_text=True)
    assert 'href="/apps/page_dash/dashboard?org=PLC01&amp;f%5B/state%5D=ok"' in html
    assert re.search(r'<option value="ok" selected', html)
    rows = csv_rows(
        client.get("/apps/page_dash/dashboard.csv?org=QWE&f%5B%2Fstate%5D=ok&widget=records")
    )
    assert [row[2] for row in rows] == ["Records", "1", "1", "1"]


def test_unknown_filter_field_is_400_naming_it(
    client: FlaskClient, login: Any, users: dict[str, User], dash_app: App
) -> None:
    login(users["icb_viewer"])
    response = client.get("/apps/page_dash/dashboard?f%5B%2Frole%5D=gp")
    assert response.status_code == 400
    text = unescape(response.get_data(as_text=True))
    assert "There is a problem" in text
    assert "There is no field /role to filter by" in text
    csv_response = client.get("/apps/page_dash/dashboard.csv?widget=records&f%5B%2Frole%5D=gp")
    assert csv_response.status_code == 400
    assert csv_response.get_data(as_text=True) == "There is no field /role to filter by\n"
    bad_value = client.get("/apps/page_dash/dashboard?f%5B%2Fstate%5D=cold")
    assert bad_value.status_code == 400
    assert "'cold' is not an answer to State (/state)" in unescape(bad_value.get_data(as_text=True))


DECLARED: dict[str, Any] = {
    "id": "page_declared",
    "title": "Declared widgets",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "state": {"title": "State", "enum": ["ok", "warm"]},
            "num": {"type": "integer"},
            "den": {"type": "integer"},
        },
    },
    "indicators": [TEST_INDICATOR],
    "dashboard": {
        "replace_automatic": True,
        "widgets": [
            {
                "id": "returns",
                "type": "metric",
                "title": "Returns this month",
                "group_by": "period",
            },
            {"id": "ind", "type": "indicator", "title": "Indicator", "indicator": "IND-1"},
            {
                "id": "ranked",
                "type": "chart",
                "chart": "ranked_bar",
                "title": "Mean temperature by practice",
                "field": "/reading",
                "aggregate": "mean",
            },
            {
                "id": "states",
                "type": "chart",
                "chart": "stacked_bar",
                "title": "States",
                "field": "/state",
                "group_by": "period",
            },
            {"id": "pie", "type": "chart", "chart": "pie", "title": "Pie", "group_by": "/state"},
            {"id": "latest", "type": "table", "title": "Latest returns", "columns": ["/reading"]},
            {"id": "where", "type": "map", "title": "Where", "field": "/reading"},
        ],
    },
}


DECLARED_ROWS = [
    ("A00001", "2025-04", {"reading": 4, "state": "ok", "num": 6, "den": 10}),
    ("A00001", "2025-05", {"reading": 6, "state": "warm", "num": 7, "den": 10}),
    ("A00002", "2025-05", {"reading": 3, "state": "ok", "num": 7, "den": 10}),
]


@pytest.fixture
def declared_app(seeded_app: Any) -> App:
    return seeded_app(DECLARED, DECLARED_ROWS)


def test_declared_widgets_on_the_page(
    client: FlaskClient, login: Any, users: dict[str, User], declared_app: App
) -> None:
    login(users["pcn_manager"])
    response = client.get("/apps/page_declared/dashboard?org=U00001")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    data = embedded(response)
    # replace_automatic: only the declared panels on the page, the JSON keeps every widget.
    assert [p["id"] for p in data["panels"]] == [w["id"] for w in DECLARED["dashboard"]["widgets"]]
    assert data["dashboard"]["widgets"][0]["id"] == "records"
    assert html.count("<table") == len(data["panels"])
    for panel in data["panels"]:
        assert f"widget={panel['id']}&org=U00001" in html
    # The metric card: May's 2 returns, one more than April's.
    flat = " ".join(html.split())
    assert 'miniapps-metric"' in flat and "Count, May 2025 </h3>" in flat
    assert '<p class="nhsuk-card__description">2 (+1 since April 2025)</p>' in flat
    # The indicator panel: 14 of 20 = 70 %, amber, 6.67 points, £ tiles.
    assert 'class="nhsuk-tag nhsuk-tag--orange">Amber</strong>' in html
    assert "Achievement 70 % against a lower threshold of 50 % and an upper of 80 %" in html
    assert "6.67 of 10 points" in html and "2 more patients would reach the upper threshold" in html
    for money in ("£666.67", "£1,000.00", "£333.33"):
        assert money in html
    assert 'width="70.0"' in html and 'x1="50.0"' in html and 'x1="80.0"' in html
    panels = {p["id"]: p for p in data["panels"]}
    ranked = panels["ranked"]["chart"]
    assert ranked["labels"] == ["North Surgery", "Hill Surgery"]
    assert ranked["datasets"] == [
        {"label": "Mean of Temperature", "values": [5.0, 3.0]},
        {"label": "Average", "values": [4.3333, 4.3333], "style": "line"},
    ]
    assert panels["states"]["chart"]["stacked"] is True
    assert panels["pie"]["chart"]["kind"] == "pie"
    assert "no map source available offline" in html


def test_declared_widget_csv(
    client: FlaskClient, login: Any, users: dict[str, User], declared_app: App
) -> None:
    login(users["pcn_manager"])
    base = "/apps/page_declared/dashboard.csv?org=U00001&widget="
    assert csv_rows(client.get(base + "ranked")) == [
        ["Organisation", "Mean of Temperature"],
        ["North Surgery", "5.0"],
        ["Hill Surgery", "3.0"],
    ]
    assert csv_rows(client.get(base + "states")) == [
        ["Period", "ok", "warm"],
        ["April 2025", "1", "0"],
        ["May 2025", "1", "1"],
    ]
    rows = csv_rows(client.get(base + "ind"))
    assert ["Achievement", "0.7"] in rows and ["RAG", "Amber"] in rows
    assert ["Earned (£)", "666.67"] in rows
    assert csv_rows(client.get(base + "where")) == [
        ["Organisation", "ODS code", "Sum"],
        ["Hill Surgery", "A00002", "3"],
        ["North Surgery", "A00001", "10"],
    ]
