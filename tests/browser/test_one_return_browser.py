"""Issue 11 (one return per period, no self-approval) in a real browser: starting a period
already returned lands on that return with a banner saying so; its author sees no Approve
button, the PCN manager does and approves it (axe checks)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, User
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from playwright.sync_api import Page, expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
APP = {
    "id": "monthly_check",
    "title": "Monthly check",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "required": ["patients"],
        "properties": {"patients": {"type": "integer", "title": "Patients seen"}},
    },
}


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.fixture(scope="module")
def returned(live_app: Flask, emails: dict[str, str]) -> int:
    """Hill Surgery's November 2025 return, submitted by its practice manager."""
    with live_app.app_context(), db.transaction(live_app) as session:
        icb = session.scalars(select(Organisation).where(Organisation.ods == "QWE")).one()
        if session.get(App, "monthly_check") is None:
            app_service.publish(session, validate_definition(APP), [icb], None)
        app = session.get(App, "monthly_check")
        assert app is not None
        hill = session.scalars(select(Organisation).where(Organisation.ods == "A00002")).one()
        author = session.scalars(
            select(User).where(User.email == emails["practice_manager_2"])
        ).one()
        record = create_record(
            session,
            Access(author),
            app,
            hill,
            {"patients": 40},
            period="2025-11",
            submit=True,
            actor=author,
        )
        return record.id


def test_starting_a_returned_period_opens_it_and_only_the_pcn_approves(
    page: Page, sign_in: SignIn, emails: dict[str, str], returned: int
) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto("/apps/monthly_check/new?org=A00002&period=2025-11")
    expect(page).to_have_url(re.compile(rf"/apps/monthly_check/records/{returned}$"))
    expect(page.get_by_text("Hill Surgery already has a record for November 2025")).to_be_visible()
    expect(page.get_by_text("It is submitted and can no longer be changed.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert serious_violations(page) == []

    page.context.clear_cookies()
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/apps/monthly_check/records/{returned}")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Record {returned} is now approved.")).to_be_visible()
    assert serious_violations(page) == []
