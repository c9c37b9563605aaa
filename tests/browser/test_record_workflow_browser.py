"""Returning a record for changes in a real browser: the PCN manager gives the reason, the
practice sees it in a warning callout at the top of the record and in the comment thread;
no serious axe violations on either side.

Acts for Hill Surgery (``practice_manager_2``) in the fridge log, which no other browser
test counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RECORD_PAGE = re.compile(r"/apps/fridge_log/records/(\d+)$")
REASON = "The reading is above 8 °C: please check the thermometer and read it again."
SERIOUS = {"serious", "critical"}

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]


def serious_violations(page: Page) -> list[str]:
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def switch_user(page: Page, sign_in: SignIn, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, email)


def test_pcn_manager_returns_a_record_and_the_practice_sees_why(
    page: Page, sign_in: SignIn, emails: dict[str, str], screenshot: Screenshot
) -> None:
    # The practice submits a reading.
    sign_in(page, emails["practice_manager_2"])
    page.goto("/apps/fridge_log/new")
    page.get_by_label("Temperature (°C)").fill("9.5")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(RECORD_PAGE)
    record_url = page.url

    # The PCN manager returns it with the reason.
    switch_user(page, sign_in, emails["pcn_manager"])
    page.goto(record_url)
    found = serious_violations(page)
    page.get_by_label("Comment (needed to return for changes)").fill(REASON)
    page.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")

    # The practice manager sees the reason at the top and in the thread.
    switch_user(page, sign_in, emails["practice_manager_2"])
    page.goto(record_url)
    banner = page.locator("#workflow-comment")
    expect(banner).to_have_class(re.compile(r"nhsuk-card--warning"))
    expect(banner.get_by_role("heading", level=2)).to_contain_text("Returned for changes")
    expect(banner).to_contain_text("Comment from Priya Network,")
    expect(banner).to_contain_text(REASON)
    thread = page.locator(".miniapps-comments > li").first
    expect(thread).to_contain_text("Priya Network")
    expect(thread).to_contain_text("Returned for changes")
    expect(thread).to_contain_text(REASON)
    # The banner's link leads to the comment in the thread.
    banner.get_by_role("link", name="Reply in the comments").click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    history = page.locator("table.nhsuk-table", has_text="Changes to this record")
    expect(history).to_contain_text("Status: Submitted → Draft")
    found += serious_violations(page)
    assert found == []
    screenshot(page, "record_returned")

    # Once the practice submits again, the banner goes; the comment stays in the thread.
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    expect(page.locator("#workflow-comment")).to_have_count(0)
    expect(page.locator(".miniapps-comments")).to_contain_text(REASON)
