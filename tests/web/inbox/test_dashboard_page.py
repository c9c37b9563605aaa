"""The channel dashboard page: panels with tables, charts and CSV links; CSV content;
filters in the URL; 400 for a bad filter; 403 for a user with neither side's access."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.models import Record, User
from sqlalchemy.orm import Session

from tests.fixtures_channels import PASSWORD

PANELS = ["summary", "times", "by_provider", "by_channel", "by_category", "by_month"]
SENT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, GMT


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def embedded(html: str) -> dict[str, Any]:
    """The panels the page embeds for js/charts.mjs."""
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html)
    assert match, html
    return {panel["id"]: panel for panel in json.loads(match.group(1))["panels"]}


def section(html: str, panel_id: str) -> str:
    match = re.search(rf'<section [^>]*id="panel-{panel_id}".*?</section>', html, re.S)
    assert match, f"no panel {panel_id}"
    return match.group(0)


def csv_rows(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def timed(session: Session, record: Record, sent: datetime, acknowledged_hours: float) -> None:
    [item] = record.channel_items
    item.sent_at = sent
    item.acknowledged_at = sent + timedelta(hours=acknowledged_hours)
    session.commit()


@pytest.fixture
def sent_items(db_session, send_concern, users, stakeholder_users) -> dict[str, Record]:
    made = {
        "adult": send_concern("adult"),
        "adult_2": send_concern("adult", ods="A00003", actor=users["practice_manager_2"]),
        "adult_3": send_concern("adult"),
        "child": send_concern("child"),
        "quality": send_concern("quality"),
    }
    timed(db_session, made["adult"], SENT, 2)
    timed(db_session, made["adult_2"], SENT + timedelta(days=31), 6)
    made["adult_3"].channel_items[0].sent_at = SENT  # not acknowledged yet
    made["adult_2"].channel_items[0].breached = True
    db_session.commit()
    return made


def test_the_page_shows_every_panel_as_a_table_with_a_csv_link(app, sent_items, stakeholder_users):
    client = signed_in(app, stakeholder_users["LAADULT"])
    response = client.get("/inbox/dashboard")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<h1>Channel dashboard</h1>" in html
    for panel_id in PANELS:
        part = section(html, panel_id)
        assert "<table" in part  # the no-JavaScript view
        assert f"/inbox/dashboard.csv?panel={panel_id}" in unescape(part)
    panels = embedded(html)
    # Charts where they say something, each drawn beside its table.
    assert panels["by_provider"]["chart"]["labels"] == ["North Surgery", "South Surgery"]
    assert panels["by_month"]["chart"]["labels"] == ["March 2026", "April 2026"]
    assert panels["times"]["chart"]["datasets"][0]["values"] == [4.0, None]
    assert 'data-chart-for="by_month"' in section(html, "by_month")
    assert "js/charts.mjs" in html and "chart.umd.min.js" in html
    # Only LAADULT's three adult items count: not the child or the quality concern.
    by_category = section(html, "by_category")
    assert "An adult at risk" in by_category and "A child at risk" not in by_category
    assert "Children" not in section(html, "by_channel")


def test_csv_downloads_hold_the_panel_tables(app, sent_items, stakeholder_users):
    client = signed_in(app, stakeholder_users["LAADULT"])
    assert csv_rows(client, "/inbox/dashboard.csv?panel=by_provider") == [
        ["Provider", "ODS code", "Items", "Open", "Breached"],
        ["North Surgery", "A00001", "2", "2", "0"],
        ["South Surgery", "A00003", "1", "1", "1"],
    ]
    assert csv_rows(client, "/inbox/dashboard.csv?panel=by_month") == [
        ["Month sent", "Items", "Breached"],
        ["March 2026", "2", "0"],
        ["April 2026", "1", "1"],
    ]
    times = csv_rows(client, "/inbox/dashboard.csv?panel=times")
    assert times[1] == ["Time to acknowledge", "2", "4.0", "5.6", "0.0", "0.0"]
    assert client.get("/inbox/dashboard.csv?panel=nope").status_code == 404


def test_filters_narrow_every_panel_and_carry_into_the_links(app, sent_items, stakeholder_users):
    client = signed_in(app, stakeholder_users["LAADULT"])
    html = client.get("/inbox/dashboard?provider=A00003&from=2026-04").get_data(as_text=True)
    providers = embedded(html)["by_provider"]
    assert [row[1]["text"] for row in providers["rows"]] == ["A00003"]
    csv_link = "/inbox/dashboard.csv?panel=by_month&provider=A00003&from=2026-04"
    assert csv_link in unescape(html)
    assert csv_rows(client, csv_link)[1:] == [["April 2026", "1", "1"]]
    # Rows link to the dashboard narrowed to that provider, other filters kept.
    everything = client.get("/inbox/dashboard?from=2026-03").get_data(as_text=True)
    links = re.findall(r'href="(/inbox/dashboard\?[^"]*)"', unescape(everything))
    assert "/inbox/dashboard?provider=A00001&from=2026-03" in links
    nothing = client.get("/inbox/dashboard?from=2026-05").get_data(as_text=True)
    assert "No items match." in nothing


def test_a_bad_filter_is_named_and_answered_400(app, sent_items, stakeholder_users):
    client = signed_in(app, stakeholder_users["LAADULT"])
    response = client.get("/inbox/dashboard?channel=quality&to=2026-4")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert 'href="#dashboard-channel"' in html and 'href="#dashboard-to"' in html
    assert "is not a month" in html
    # The filter form still offers the user's own channels.
    assert '<option value="adult_safeguarding"' in html
    assert client.get("/inbox/dashboard.csv?panel=summary&from=x").status_code == 400


def test_a_provider_sees_only_its_own_sent_items(app, sent_items, users):
    client = signed_in(app, users["practice_manager"])  # A00001
    html = client.get("/inbox/dashboard").get_data(as_text=True)
    rows = csv_rows(client, "/inbox/dashboard.csv?panel=by_provider")
    assert rows[1:] == [["North Surgery", "A00001", "4", "4", "0"]]
    categories = csv_rows(client, "/inbox/dashboard.csv?panel=by_category")
    assert categories[1:] == [
        ["An adult at risk", "2"],
        ["A child at risk", "1"],
        ["Quality of care", "1"],
    ]
    assert "South Surgery" not in html


def test_users_with_neither_side_get_403(app, db_session, sent_items, users):
    nobody = User(email="nobody@example.nhs.uk", name="Nobody")
    nobody.password_hash = users["practice_staff"].password_hash
    db_session.add(nobody)
    db_session.commit()
    client = signed_in(app, nobody)
    assert client.get("/inbox/dashboard").status_code == 403
    assert client.get("/inbox/dashboard.csv?panel=summary").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, sent_items):
    response = client.get("/inbox/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
