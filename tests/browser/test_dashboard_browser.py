"""The dashboard in a real browser: charts drawn from local Chart.js, the chart/table
toggle, drill-down by clicking an organisation, and the no-JavaScript table view.

The tests publish an app of their own (``dash_browser``) with committed records, so the
counts here never depend on what the other browser tests submit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services import apps as app_service
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.sample_definitions import TEST_INDICATOR

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]

DEFINITION: dict[str, Any] = {
    "id": "dash_browser",
    "title": "Dashboard browser check",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "state": {"title": "State", "enum": ["ok", "warm"]},
        },
    },
}
RECORDS = [
    ("A00001", "2025-04", {"reading": 4, "state": "ok"}),
    ("A00001", "2025-05", {"reading": 6, "state": "warm"}),
    ("A00002", "2025-04", {"reading": 3, "state": "ok"}),
]


@pytest.fixture(scope="module")
def dash_app(live_app: Flask) -> str:
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, DEFINITION["id"]) is None:
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            app_service.publish(session, validate_definition(DEFINITION), [orgs["QWE"]], None)
            for ods, period, data in RECORDS:
                session.add(
                    Record(
                        app_id=DEFINITION["id"],
                        app_version=1,
                        organisation=orgs[ods],
                        period=period,
                        data=data,
                        status="submitted",
                    )
                )
    return DEFINITION["id"]


def test_charts_toggle_and_drill_down(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    dash_app: str,
    screenshot: Screenshot,
    offsite_requests: list[str],
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{dash_app}/dashboard?org=U00001&from=2025-04&to=2025-06")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard for North PCN")

    compared = page.get_by_role("region", name="Temperature: practices compared")
    canvas = compared.locator("canvas")
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("aria-label", re.compile(r"^Bar chart of Temperature"))
    # Chart.js drew into it: the chart is registered and the canvas has painted pixels.
    painted = canvas.evaluate(
        """c => Chart.getChart(c) !== undefined &&
               c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"""
    )
    assert painted
    datasets = canvas.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.label)")
    assert datasets == ["Mean", "Average for North PCN"]
    expect(page.locator("[data-chart-for] canvas")).to_have_count(6)
    screenshot(page, "dashboard-charts")
    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []

    table = compared.get_by_role("table")
    toggle = compared.get_by_role("button", name="Hide chart")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(canvas).to_be_hidden()
    expect(table).to_be_visible()  # the table never goes away
    compared.get_by_role("button", name="Show chart").click()
    expect(canvas).to_be_visible()
    expect(table).to_be_visible()

    # Drill down by clicking an organisation; the period filter comes along.
    table.get_by_role("link", name="North Surgery").click()
    expect(page).to_have_url(re.compile(r"org=A00001&from=2025-04&to=2025-06$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard for North Surgery")
    crumbs = page.get_by_role("navigation", name="Organisations above North Surgery")
    expect(crumbs.get_by_role("link")).to_have_text(["North PCN"])  # not the ICB or Place
    totals = page.get_by_role("region", name="Records by organisation")
    expect(totals.get_by_role("row", name=re.compile("North Surgery"))).to_contain_text("2")
    screenshot(page, "dashboard-practice")
    # Chart.js and the charts module come from our own server (the NHS.UK CSS may ask for
    # its web fonts from assets.nhs.uk; those are blocked and fall back to system fonts).
    assert [u for u in offsite_requests if not u.endswith((".woff", ".woff2"))] == []


def test_clicking_a_bar_drills_down(
    page: Page, sign_in: SignIn, emails: dict[str, str], dash_app: str
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{dash_app}/dashboard?org=U00001")
    canvas = page.get_by_role("region", name="Records per practice: North PCN").locator("canvas")
    expect(canvas).to_be_visible()
    # The first bar is the practice with most records (North Surgery, ranked first).
    point = canvas.evaluate(
        """c => { const bar = Chart.getChart(c).getDatasetMeta(0).data[0];
                  return {x: bar.base + (bar.x - bar.base) / 2, y: bar.y}; }"""
    )
    canvas.click(position={"x": point["x"], "y": point["y"]})
    expect(page).to_have_url(re.compile(r"org=A00001$"))


def test_tables_without_javascript(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str], dash_app: str
) -> None:
    page = page_without_js
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{dash_app}/dashboard?org=U00001")
    expect(page.locator("canvas")).to_have_count(0)
    expect(page.locator("[data-chart-for]").first).to_be_hidden()
    by_period = page.get_by_role("region", name="Records by period").get_by_role("table")
    expect(by_period.get_by_role("row")).to_have_count(3)  # heading, April, May
    expect(by_period.get_by_role("row", name=re.compile("April 2025"))).to_contain_text("2")


DECLARED = {
    "id": "dash_declared",
    "title": "Declared dashboard check",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "state": {"title": "State", "enum": ["ok", "warm"]},
            "num": {"type": "integer", "title": "Numerator"},
            "den": {"type": "integer", "title": "Denominator"},
        },
    },
    "indicators": [TEST_INDICATOR],
    "dashboard": {
        "widgets": [
            {"id": "returns", "type": "metric", "title": "Returns", "group_by": "period"},
            {"id": "ind", "type": "indicator", "title": "Indicator", "indicator": "IND-1"},
            {
                "id": "states",
                "type": "chart",
                "chart": "stacked_bar",
                "title": "States",
                "field": "/state",
                "group_by": "period",
            },
            {
                "id": "pie",
                "type": "chart",
                "chart": "pie",
                "title": "Answers",
                "group_by": "/state",
            },
        ]
    },
}
DECLARED_RECORDS = [
    ("A00001", "2025-04", {"state": "ok", "num": 6, "den": 10}),
    ("A00001", "2025-05", {"state": "warm", "num": 7, "den": 10}),
    ("A00002", "2025-05", {"state": "ok", "num": 7, "den": 10}),
]


@pytest.fixture(scope="module")
def declared_app(live_app: Flask) -> str:
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, DECLARED["id"]) is None:
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            app_service.publish(session, validate_definition(DECLARED), [orgs["QWE"]], None)
            for ods, period, data in DECLARED_RECORDS:
                session.add(
                    Record(
                        app_id=DECLARED["id"],
                        app_version=1,
                        organisation=orgs[ods],
                        period=period,
                        data=data,
                        status="submitted",
                    )
                )
    return str(DECLARED["id"])


def test_declared_metric_and_indicator_panels(
    page: Page, sign_in: SignIn, emails: dict[str, str], declared_app: str, screenshot: Screenshot
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{declared_app}/dashboard?org=U00001")
    metric = page.get_by_role("region", name="Returns", exact=True)
    expect(metric.locator(".miniapps-metric")).to_contain_text("Count, May 2025")
    expect(metric.locator(".miniapps-metric")).to_contain_text("2 (+1 since April 2025)")
    panel = page.get_by_role("region", name="Indicator: IND-1 Test indicator")
    expect(panel.locator(".nhsuk-tag")).to_have_text("Amber")
    bar = panel.get_by_role("img", name=re.compile(r"^Achievement 70 % against a lower"))
    expect(bar).to_be_visible()
    expect(panel.locator(".miniapps-indicator-money")).to_contain_text("£666.67")
    expect(panel.get_by_role("row", name=re.compile("Points"))).to_contain_text("6.67")
    stacked = page.get_by_role("region", name="States").locator("canvas")
    expect(stacked).to_be_visible()
    assert stacked.evaluate("c => Chart.getChart(c).options.scales.x.stacked") is True
    pie = page.get_by_role("region", name="Answers").locator("canvas")
    expect(pie).to_have_attribute("aria-label", re.compile(r"^Pie chart of Answers"))
    screenshot(page, "dashboard-declared")
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
