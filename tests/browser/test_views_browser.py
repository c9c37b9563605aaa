"""The anonymised view page in a real browser: reached from the app's menu, counts drawn
as charts from local Chart.js beside their tables, no serious axe violations, and the
tables alone without JavaScript; the datetime box of an ``x-not-future`` field is capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services import apps as app_service
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.sample_views import SEEDED, event_log

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]


@pytest.fixture(scope="module")
def events_live(live_app: Flask) -> str:
    raw = event_log()
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, raw["id"]) is None:
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            app_service.publish(session, validate_definition(raw), [orgs["QWE"]], None)
            for day, (ods, status, data) in enumerate(SEEDED, start=1):
                if ods not in orgs:  # the live server has one PCN
                    continue
                session.add(
                    Record(
                        app_id=raw["id"],
                        app_version=1,
                        organisation=orgs[ods],
                        data=data,
                        status=status,
                        submitted_at=datetime(2026, 4, day, 12, tzinfo=UTC),
                    )
                )
    return str(raw["id"])


def test_the_view_from_the_menu_with_charts(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    events_live: str,
    screenshot: Screenshot,
    offsite_requests: list[str],
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{events_live}/")
    page.get_by_role("navigation", name="Event log").get_by_role(
        "link", name="Shared learning"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared learning")
    by_type = page.get_by_role("region", name="By event type")
    canvas = by_type.locator("canvas")
    expect(canvas).to_be_visible()
    labels = canvas.evaluate("c => Chart.getChart(c).data.labels")
    assert labels == ["Incident", "Risk", "Good care"]
    expect(page.locator("[data-chart-for] canvas")).to_have_count(3)
    records = page.get_by_role("table", name=re.compile("records, page 1 of 1"))
    expect(records).to_contain_text("Dry the floor after rain")
    expect(records).not_to_contain_text("NOTSHARED")
    screenshot(page, "view-shared-learning")
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    assert [u for u in offsite_requests if not u.endswith((".woff", ".woff2"))] == []


def test_the_view_without_javascript(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str], events_live: str
) -> None:
    page = page_without_js
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/{events_live}/views/learning")
    expect(page.locator("canvas")).to_have_count(0)
    by_month = page.get_by_role("region", name="By month").get_by_role("table")
    expect(by_month.get_by_role("row", name=re.compile("April 2026"))).to_contain_text("1")


def test_a_not_future_datetime_box_is_capped(
    page: Page, sign_in: SignIn, emails: dict[str, str], events_live: str
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto(f"/apps/{events_live}/new")
    box = page.get_by_label("When it happened")
    cap = box.get_attribute("max")
    assert cap is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", cap)
    box.fill("2099-01-01T10:00")
    assert box.evaluate("b => b.validity.rangeOverflow")
