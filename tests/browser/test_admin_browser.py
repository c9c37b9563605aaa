"""The admin area in a real browser with CSRF on: a PCN manager invites someone, reads the
invitation on the outbox page, and the invitee follows the one-time link, sets a password
and signs in. Every page on the way passes axe with no serious violations; a second run
checks the same walk works with JavaScript switched off."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]  # sign_in(page, email[, password])
SERIOUS = {"serious", "critical"}
NEW_PASSWORD = "a brand new password"


def serious_violations(page: Page) -> list[str]:
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:160] for node in v["nodes"])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def walk_invitation(page: Page, sign_in: SignIn, manager_email: str, check_axe: bool) -> None:
    problems: list[str] = []

    def check() -> None:
        if check_axe:
            problems.extend(serious_violations(page))

    email = f"invitee-{secrets.token_hex(4)}@example.nhs.uk"
    sign_in(page, manager_email)
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Admin")).to_be_visible()
    check()
    page.goto("/admin/users")
    page.get_by_role("button", name="Invite someone").click()
    page.get_by_role("button", name="Send invitation").click()  # nothing filled in
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Full name").fill("Ivy Invitee")
    page.get_by_label("Organisation").select_option("A00002")
    page.get_by_label("Role").select_option("practice_staff")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"We have emailed {email} a link")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Ivy Invitee")).to_be_visible()
    check()

    page.goto("/admin/outbox")
    check()
    row = page.get_by_role("row").filter(has_text=email)
    row.get_by_role("link", name="Set your password for miniapps").click()
    check()
    text = page.locator("pre.miniapps-email-text").inner_text()
    found = re.search(r"https?://\S+(/invitations/\S+)", text)
    assert found is not None, text
    link = found.group(1)

    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Set your password")).to_be_visible()
    check()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("something else entirely")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text(f"Your password is set. Sign in as {email}.")).to_be_visible()

    sign_in(page, email, NEW_PASSWORD)  # lands on "My apps"
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="This link cannot be used")).to_be_visible()
    assert problems == []


def test_invite_accept_the_link_and_sign_in(
    page: Page, sign_in: SignIn, emails: dict[str, str], offsite_requests: list[str]
) -> None:
    walk_invitation(page, sign_in, emails["pcn_manager"], check_axe=True)
    assert offsite_requests == []


def test_the_same_walk_without_javascript(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str]
) -> None:
    walk_invitation(page_without_js, sign_in, emails["pcn_manager"], check_axe=False)
