"""The dashboard page, its CSV downloads and the API answer widgets with ``where``,
``group_by: "month"``, ``"aggregate": "items"`` and ``duration``
(``tests/dashboard_widgets_data.py``)."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.models import App, Organisation, User
from sqlalchemy.orm import Session

from tests.dashboard_widgets_data import WIDGETS, seed_incidents
from tests.web.test_dashboard_page import csv_rows, embedded

PAGE = "/apps/incident_dash/dashboard?org=PLC01"
CSV = "/apps/incident_dash/dashboard.csv?org=PLC01&widget="


@pytest.fixture
def incidents(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return seed_incidents(db_session, orgs)


def test_the_page_shows_a_table_and_csv_link_per_widget(
    client: FlaskClient, login: Any, users: dict[str, User], incidents: App
) -> None:
    login(users["icb_viewer"])
    response = client.get(PAGE)
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    flat = " ".join(html.split())
    panels = {p["id"]: p for p in embedded(response)["panels"]}
    assert list(panels) == [w["id"] for w in WIDGETS]  # replace_automatic
    assert html.count("<table") == len(WIDGETS)
    for widget in WIDGETS:
        assert f"widget={widget['id']}&org=PLC01" in html
    # Metric cards: open actions (items), and the median time to close.
    assert "Items </h3>" in flat and '<p class="nhsuk-card__description">4</p>' in flat
    assert "Median days from submitted to closed </h3>" in flat
    assert '<p class="nhsuk-card__description">3.7 days</p>' in flat
    assert "From submitted to closed: 4 records, median 3.7 days, 90th percentile 8.5 days" in html
    # Month charts are labelled with month names, March included with nothing in it.
    by_month = panels["by_month"]["chart"]
    assert by_month["labels"] == ["January 2026", "February 2026", "March 2026", "April 2026"]
    assert by_month["datasets"][0]["values"] == [2, 2, 0, 3]
    # Grouped durations chart the median and 90th percentile per group.
    chart = panels["to_close_by_org"]["chart"]
    assert chart["labels"] == ["North PCN", "South PCN"] and chart["horizontal"] is True
    assert chart["datasets"] == [
        {"label": "Median (days)", "values": [2.4, None]},
        {"label": "90th percentile (days)", "values": [4.5, None]},
    ]
    assert panels["to_close"]["chart"] is None  # one figure: the card and the table


def test_csv_of_the_new_widgets(
    client: FlaskClient, login: Any, users: dict[str, User], incidents: App
) -> None:
    login(users["icb_viewer"])
    assert csv_rows(client.get(CSV + "harm_by_month")) == [
        ["Month", "No harm", "Low", "Moderate", "Severe"],
        ["January 2026", "0", "1", "0", "1"],
        ["February 2026", "1", "0", "0", "0"],
        ["March 2026", "0", "0", "0", "0"],
        ["April 2026", "0", "0", "1", "0"],
    ]
    assert csv_rows(client.get(CSV + "open_actions")) == [["Measure", "Value"], ["Items", "4"]]
    assert csv_rows(client.get(CSV + "actions_by_org")) == [
        ["Organisation", "Items of Actions"],
        ["North PCN", "5"],
        ["South PCN", "2"],
    ]
    assert csv_rows(client.get(CSV + "serious_list")) == [
        ["Organisation", "Month", "Kind"],
        ["South Surgery", "April 2026", "patient_safety"],
        ["North Surgery", "January 2026", "patient_safety"],
    ]
    rows = csv_rows(client.get(CSV + "to_close"))
    assert rows[:4] == [
        ["Measure", "Value"],
        ["Records that reached closed", "4"],
        ["Median (days)", "3.7"],
        ["90th percentile (days)", "8.5"],
    ]
    assert rows[4] == ["Not there yet", "2"]
    by_month = csv_rows(client.get(CSV + "to_close_by_month"))
    assert by_month[0] == [
        "Month",
        "Reached",
        "Median (days)",
        "90th percentile (days)",
        "Not there yet",
        "Oldest not there yet (days)",
    ]
    assert by_month[1] == ["January 2026", "2", "4.7", "5.7", "0", ""]
    assert by_month[3] == ["March 2026", "0", "", "", "0", ""]


def test_the_api_answers_the_same_widgets(
    client: FlaskClient, token: Any, users: dict[str, User], incidents: App
) -> None:
    response = client.get(
        "/api/v1/apps/incident_dash/dashboard?org=PLC01", headers=token(users["icb_viewer"])
    )
    assert response.status_code == 200, response.get_json()
    found = {w["id"]: w for w in response.get_json()["widgets"]}
    assert found["records"]["data"]["total"] == 7  # the automatic widgets stay in the JSON
    assert found["open_actions"]["data"]["value"] == 4
    assert found["serious"]["data"]["value"] == 2
    assert found["by_month"]["data"]["keys"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    duration = found["to_close_by_month"]
    assert duration["type"] == "duration"
    assert set(duration["data"]) == {
        "from",
        "to",
        "state_title",
        "group_by",
        "count",
        "median_days",
        "p90_days",
        "open",
        "groups",
    }
    assert set(duration["data"]["open"]) == {"count", "median_days", "max_days"}
    assert {"key", "label", "count", "median_days", "p90_days", "open"} == set(
        duration["data"]["groups"][0]
    )
    # A practice manager's API answer covers their practice only.
    mine = client.get(
        "/api/v1/apps/incident_dash/dashboard?org=A00001", headers=token(users["practice_manager"])
    ).get_json()
    closing = next(w for w in mine["widgets"] if w["id"] == "to_close")
    assert (closing["data"]["count"], closing["data"]["median_days"]) == (2, 3.7)


def test_a_chart_whose_where_matches_nothing_shows_an_empty_table(
    client: FlaskClient, login: Any, users: dict[str, User], incidents: App
) -> None:
    login(users["icb_viewer"])
    response = client.get("/apps/incident_dash/dashboard?org=A00004")  # R8: no answers
    assert response.status_code == 200
    assert "No records to show yet." in response.get_data(as_text=True)
