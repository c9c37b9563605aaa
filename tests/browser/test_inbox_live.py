"""The live inbox in a real browser: with the stakeholder's /inbox page open, a practice
sends a safeguarding concern and the new row appears without a reload within 2 seconds;
a status change follows the same way; without JavaScript a refresh shows it; no serious
axe violations.

Uses its own stakeholder organisation and officer (added to the live database once) and
the safeguarding_concern example; concerns are sent from North Surgery (A00001).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import load_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition, create_record
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.fixtures_channels import EXAMPLE

pytestmark = pytest.mark.browser

OFFICER = "adult-team@example.gov.uk"
PASSWORD = "correct horse battery"  # conftest's
SENDER = "pm@example.nhs.uk"  # conftest's practice manager at A00001
LIVE_WITHIN_MS = 2_000
SERIOUS = {"serious", "critical"}

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]


@pytest.fixture(scope="session")
def inbox_live(live_app: Flask) -> Flask:
    """An adult safeguarding team covering the test Place, its officer, and the concern
    app published to the test ICB (once per session; another module may have published
    the app already)."""
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.scalar(select(User).where(User.email == OFFICER)) is None:
            upsert_organisations(
                session,
                [
                    OrgRow(
                        "LAADULT",
                        "Test Council Adult Safeguarding",
                        "stakeholder",
                        "PLC01",
                        category="la_adult_safeguarding",
                    )
                ],
            )
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            user_service.create_user(
                session, OFFICER, "Ada Officer", PASSWORD, "stakeholder", orgs["LAADULT"]
            )
        if session.get(App, "safeguarding_concern") is None:
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            app_service.publish(session, load_definition(EXAMPLE), [orgs["QWE"]], actor=None)
    return live_app


def send_concern(app: Flask) -> int:
    """A practice sends an adult concern (committed); the record's id."""
    with app.app_context(), db.transaction(app) as session:
        sender = session.scalars(select(User).where(User.email == SENDER)).one()
        concern_app = session.get(App, "safeguarding_concern")
        assert concern_app is not None
        record = create_record(
            session,
            Access(sender),
            concern_app,
            session.scalars(select(Organisation).where(Organisation.ods == "A00001")).one(),
            {"kind": "adult", "summary": "Bruising seen at a home visit", "urgent": False},
            submit=True,
            actor=sender,
        )
        return record.id


def acknowledge(app: Flask, record_id: int) -> None:
    with app.app_context(), db.transaction(app) as session:
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        record = session.get(Record, record_id)
        assert record is not None
        apply_transition(
            session, Access(officer), record, "acknowledge", comment=None, actor=officer
        )


def serious_violations(page: Page) -> list[str]:
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def row_of(page: Page, record_id: int):
    link = page.locator(f'a[href="/apps/safeguarding_concern/records/{record_id}"]')
    return page.locator("tr", has=link)


def test_a_sent_concern_appears_in_the_open_inbox_without_a_reload(
    page: Page, inbox_live: Flask, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, OFFICER)
    page.goto("/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.locator("[data-inbox-live]")).to_have_attribute("data-connected", "true")
    expect(page.get_by_text("This page updates by itself")).to_be_visible()
    # A value in the page's window survives only if the page is never reloaded.
    page.evaluate("window.stillTheSamePage = true")

    started = time.monotonic()
    record_id = send_concern(inbox_live)
    row = row_of(page, record_id)
    expect(row).to_be_visible(timeout=LIVE_WITHIN_MS)
    took = time.monotonic() - started
    assert took < LIVE_WITHIN_MS / 1000, took
    assert page.evaluate("window.stillTheSamePage") is True
    expect(row).to_contain_text("North Surgery (A00001)")
    expect(row).to_contain_text("Adult safeguarding")
    expect(row).to_contain_text("Sent")
    expect(page.locator("[data-inbox-announcer]")).to_have_text("1 new item")
    expect(page.locator("[data-inbox-count]")).to_contain_text(re.compile(r"^\d+ items?"))

    # A status change follows the same way.
    acknowledge(inbox_live, record_id)
    expect(row.locator(".nhsuk-tag--green")).to_have_text("Acknowledged", timeout=LIVE_WITHIN_MS)
    expect(row.locator(".nhsuk-tag--blue")).to_have_text("Acknowledged")
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "inbox_live")

    # The row leads to the record.
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/apps/safeguarding_concern/records/{record_id}$"))


def test_the_inbox_has_no_serious_accessibility_problems(
    page: Page, inbox_live: Flask, sign_in: SignIn
) -> None:
    send_concern(inbox_live)
    sign_in(page, OFFICER)
    page.goto("/inbox")
    expect(page.locator("table.nhsuk-table")).to_be_visible()
    found = serious_violations(page)
    page.goto("/inbox?period=2026-13")  # the error summary and a field in error
    expect(page.get_by_text("There is a problem")).to_be_visible()
    found += serious_violations(page)
    assert found == []


def test_without_javascript_a_refresh_shows_new_items(
    page_without_js: Page, inbox_live: Flask, sign_in: SignIn
) -> None:
    page = page_without_js
    sign_in(page, OFFICER)
    page.goto("/inbox")
    expect(page.get_by_text("Refresh the page to see new items")).to_be_visible()
    expect(page.get_by_text("This page updates by itself")).to_have_count(0)
    record_id = send_concern(inbox_live)
    page.reload()
    expect(row_of(page, record_id)).to_be_visible()
