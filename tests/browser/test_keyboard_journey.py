"""A keyboard-only journey, with no mouse and no address typed after the first: sign in,
fill a record form, submit it with an error and reach the field from the error summary,
fix it and submit, open the dashboard and reach its data table, open the returns grid.

Only Tab, Shift+Tab, Enter and Space move around; other keys only type into fields.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
APP_ID = "keyboard_log"
TITLE = "Keyboard journey fridge log"
EMAIL = "pm@example.nhs.uk"  # conftest's practice manager
PASSWORD = "correct horse battery"  # conftest's


@pytest.fixture(scope="module")
def journey_app(live_app: Flask, iif_live: str) -> str:
    """A fridge log of this test's own (its records change no other test's counts)."""
    raw = json.loads((REPO / "docs" / "examples" / "fridge_log" / "app.json").read_text())
    raw.update(id=APP_ID, title=TITLE)
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, APP_ID) is None:
            icb = session.scalars(select(Organisation).filter_by(ods="QWE")).one()
            app_service.publish(session, validate_definition(raw), [icb], None)
    return APP_ID


def focused(target: Locator) -> bool:
    return bool(target.evaluate("(el) => el === document.activeElement"))


def describe_focus(page: Page) -> str:
    return str(
        page.evaluate(
            "(() => { const el = document.activeElement;"
            " return `${el.tagName} ${(el.innerText || el.name || el.id || '').slice(0, 40)}` })()"
        )
    )


def tab_to(page: Page, target: Locator, limit: int = 40, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab if ``back``) until ``target`` has focus, within ``limit``."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if focused(target):
            return
        seen.append(describe_focus(page))
    raise AssertionError(f"Tab never reached {target}; focus went through {seen}")


def test_a_keyboard_only_journey(page: Page, journey_app: str) -> None:
    keys = page.keyboard
    page.goto("/auth/login")

    # The skip link is the first stop and moves focus to the content.
    keys.press("Tab")
    skip = page.get_by_role("link", name=re.compile("Skip to main content"))
    expect(skip).to_be_focused()
    keys.press("Enter")

    # Sign in.
    tab_to(page, page.get_by_label("Email address"))
    keys.type(EMAIL)
    tab_to(page, page.get_by_label("Password", exact=True), limit=3)
    keys.type(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"), limit=3)
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1, name="My apps")).to_be_visible()

    # Open the app and its form from links.
    tab_to(page, page.get_by_role("link", name=TITLE), limit=80)
    keys.press("Enter")
    expect(page).to_have_url(re.compile(f"/apps/{APP_ID}/$"))
    nav = page.get_by_role("navigation", name=TITLE)
    tab_to(page, nav.get_by_role("link", name="New record"))
    keys.press("Enter")
    expect(page).to_have_url(re.compile(f"/apps/{APP_ID}/new$"))

    # An impossible reading, submitted with Enter on the button.
    reading = page.get_by_label("Temperature (°C)")
    tab_to(page, reading)
    keys.type("99")
    submit = page.get_by_role("button", name="Submit", exact=True)
    tab_to(page, submit, limit=10)
    keys.press("Enter")

    # The error summary takes focus; its link leads to the field.
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link").first
    tab_to(page, link, limit=3)
    keys.press("Enter")
    expect(reading).to_be_focused()
    expect(reading).to_have_value("99")

    # Fix it and submit with Space this time.
    for _ in range(2):
        keys.press("Backspace")
    keys.type("4.5")
    tab_to(page, submit, limit=10)
    keys.press("Space")
    expect(page).to_have_url(re.compile(rf"/apps/{APP_ID}/records/\d+$"))
    expect(page.get_by_text("4.5").first).to_be_visible()

    # The dashboard, and its first data table, opening a folded table on the way.
    nav = page.get_by_role("navigation", name=TITLE)
    tab_to(page, nav.get_by_role("link", name="Dashboard"), limit=60)
    keys.press("Enter")
    expect(page).to_have_url(re.compile(f"/apps/{APP_ID}/dashboard"))
    reach_first_data_table(page)

    # Back to My apps (Shift+Tab to the header), then the IIF returns grid.
    home = page.get_by_role("link", name="My apps").first
    tab_to(page, home, limit=80, back=True)
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1, name="My apps")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="IIF tracker", exact=True), limit=80)
    keys.press("Enter")
    nav = page.get_by_role("navigation").filter(has=page.get_by_role("link", name="Returns"))
    tab_to(page, nav.get_by_role("link", name="Returns"), limit=60)
    keys.press("Enter")
    expect(page).to_have_url(re.compile("/apps/iif_tracker/returns"))
    grid = page.get_by_role("region", name="Returns by organisation and period")
    tab_to(page, grid, limit=60)  # the grid scrolls sideways from the keyboard
    expect(grid.get_by_role("table")).to_be_in_viewport()
    expect(grid).to_contain_text("North Surgery")


def reach_first_data_table(page: Page) -> None:
    """Tab through the first panel; a folded table's summary is opened with Enter. Ends
    on the panel's CSV link, just after its table, which is then on screen."""
    panel = page.locator("section").filter(has=page.locator("table")).first
    table = panel.locator("table").first
    csv_link = panel.get_by_role("link", name=re.compile("Download this table as CSV"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(csv_link):
            break
        active = page.evaluate("document.activeElement.tagName")
        if active == "SUMMARY" and not table.is_visible():
            page.keyboard.press("Enter")
    else:
        raise AssertionError("Tab never reached the first dashboard table")
    expect(table).to_be_visible()
    expect(table).to_be_in_viewport()
