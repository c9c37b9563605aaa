"""The CQC policy library in a real browser: North Surgery's practice manager adopts the
PCN's published infection control policy with local changes (the text and reason appear
only once "With local changes" is chosen, and are kept on a refused submit), then sees
the difference from the central version; a staff member reads the practice's version and
signs it from "To read and sign". No serious axe violations on any page.

The PCN's policy (version 1, published) comes from :mod:`tests.cqc_live`; this module is
the only one that adopts or signs, at North Surgery only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from miniapps.db import db
from playwright.sync_api import Page, expect

from tests.cqc_live import POLICY_TITLE, STAFF_EMAIL, load_cqc, serious_violations

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
LIBRARY = "/apps/cqc_policies/library"
GLOVES = "Gloves are single use and go in the clinical waste bin."
SPILLS = "Spill kits are kept in the treatment room."
REASON = "Our clinical waste contract asks for gloves to be binned apart."


@pytest.fixture(scope="module")
def cqc_live(live_app: Flask) -> None:
    with live_app.app_context(), db.transaction(live_app) as session:
        load_cqc(session)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_manager_adopts_with_local_changes_and_staff_sign(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto(LIBRARY)
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents for North Surgery")
    row = page.get_by_role("row", name=re.compile(f"^{POLICY_TITLE}"))
    expect(row).to_contain_text("Not adopted")
    assert serious_violations(page) == []
    row.get_by_role("link", name=f"Adopt {POLICY_TITLE}").click()

    # The local text and the reason show only for "With local changes".
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopt {POLICY_TITLE}, version 1")
    local = page.get_by_role("textbox", name="Your practice's text")
    reason = page.get_by_role("textbox", name="Why your practice changes it")
    expect(local).to_be_hidden()
    page.get_by_role("radio", name="With local changes").check()
    expect(local).to_be_visible()
    expect(local).to_have_value(re.compile("^Staff wash their hands"))  # the central text
    text = local.input_value().replace("Gloves are single use.", GLOVES) + f"\n\n{SPILLS}"
    local.fill(text)
    assert serious_violations(page) == []  # the form, the local text shown

    # Without the reason: refused, named, and what was typed is still there and shown.
    page.get_by_role("button", name="Adopt version 1").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#reason")
    expect(local).to_be_visible()
    expect(local).to_have_value(text)
    assert serious_violations(page) == []
    reason.fill(REASON)
    page.get_by_role("button", name="Adopt version 1").click()

    # The practice's side of the document: its version, why, and the difference.
    flash = page.get_by_text("North Surgery adopted version 1 with your local changes.")
    expect(flash).to_be_visible()
    expect(page.get_by_role("heading", name="North Surgery's version")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    differences = page.get_by_role(
        "table", name="Differences between central version 1 and North Surgery's version"
    )
    changed = differences.locator("tr[data-change=changed]")
    expect(changed).to_have_count(1)
    expect(changed.locator("del")).to_have_text("Gloves are single use.")
    expect(changed.locator("ins")).to_have_text(GLOVES)
    added = differences.locator("tr[data-change=added]")
    expect(added.locator("ins")).to_have_text(SPILLS)
    expect(differences.locator("tr[data-change=removed]")).to_have_count(0)
    # Changes read without colour: <del> is struck through, <ins> underlined.
    assert "line-through" in changed.locator("del").evaluate(
        "(el) => getComputedStyle(el).textDecorationLine"
    )
    assert "underline" in changed.locator("ins").evaluate(
        "(el) => getComputedStyle(el).textDecorationLine"
    )
    assert serious_violations(page) == []

    # A member of staff reads North Surgery's version, then signs from the list.
    sign_out(page)
    sign_in(page, STAFF_EMAIL)
    page.goto(LIBRARY)
    to_sign = page.locator("ul.miniapps-to-sign")
    expect(page.get_by_role("heading", name="To read and sign")).to_be_visible()
    expect(to_sign.get_by_role("listitem")).to_have_count(1)
    assert serious_violations(page) == []
    to_sign.get_by_role("link", name=f"Read {POLICY_TITLE} (version 1)").click()
    expect(page.get_by_text(GLOVES).first).to_be_visible()
    page.go_back()
    to_sign.get_by_role(
        "button", name=f"I have read and understood it: sign {POLICY_TITLE} version 1"
    ).click()

    expect(page.get_by_text("You signed version 1: thank you for reading it.")).to_be_visible()
    expect(
        page.get_by_text("You have read and signed every document adopted here.")
    ).to_be_visible()
    expect(to_sign).to_have_count(0)
    documents = page.get_by_role("row", name=re.compile(f"^{POLICY_TITLE}"))
    expect(documents).to_contain_text("Adopted with local changes")
    expect(documents).to_contain_text("1 of 2 (50%)")  # the staff member and the manager
    assert serious_violations(page) == []
