"""The incident_reporting form in a real browser, keyboard only: a practice manager fills
an adult safeguarding referral by its labels (Tab, Space, arrows and typing, no clicks),
sees the immediate-risk instruction appear when they answer yes, and submits it for the
practice lead's review; the form has no serious axe violations, before and after a
refused submit.

The app is published to the test ICB once per session; referrals are made for Hill
Surgery (A00002) only, and never sent, so no other test's inbox or counts change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.channels.working_days import LONDON
from miniapps.core.definitions.loading import load_definition
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from tests.apps.incident_reporting.incident_data import APP_DIR

pytestmark = pytest.mark.browser

NEW = "/apps/incident_reporting/new"
RECORD_PAGE = re.compile(r"/apps/incident_reporting/records/(\d+)$")
EMERGENCY = "Call 999 or the emergency duty team now, then enter when you called"
SERIOUS = {"serious", "critical"}

SignIn = Callable[[Page, str], None]


@pytest.fixture(scope="session")
def incident_live(live_app: Flask) -> str:
    """The incident app published to the test ICB (once); its new-record path."""
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, "incident_reporting") is None:
            icb = session.scalars(select(Organisation).where(Organisation.ods == "QWE")).one()
            app_service.publish(session, load_definition(APP_DIR), [icb], actor=None)
    return NEW


def group(page: Page, legend: str) -> Locator:
    """A fieldset by its legend, with or without "(required)"."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}( \(required\))?$"))


def focused(target: Locator) -> bool:
    return bool(target.evaluate("(el) => el === document.activeElement"))


def tab_to(page: Page, target: Locator, limit: int = 12) -> None:
    """Press Tab until ``target`` has focus (it must be within ``limit`` presses)."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
        if focused(target):
            return
    raise AssertionError(f"Tab never reached {target}; focus went through {seen}")


def answer_yes_no(page: Page, legend: str, yes: bool) -> None:
    """Tab into the yes/no group (focus lands on Yes); Space picks Yes, the down arrow No."""
    tab_to(page, group(page, legend).get_by_label("Yes"))
    page.keyboard.press("Space" if yes else "ArrowDown")
    expect(group(page, legend).get_by_label("Yes" if yes else "No")).to_be_checked()


def type_into(page: Page, target: Locator, text: str, limit: int = 12) -> None:
    tab_to(page, target, limit)
    page.keyboard.type(text)


def serious_violations(page: Page, axe: Axe) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:160] for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_an_adult_referral_filled_by_keyboard_only(
    page: Page, sign_in: SignIn, emails: dict[str, str], incident_live: str
) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto(incident_live)
    keys = page.keyboard
    axe = Axe()

    # The kind first: Tab into the group (its first option), the down arrow picks adults.
    tab_to(page, page.get_by_role("radio", name=re.compile("^A patient safety event")), 40)
    keys.press("ArrowDown")
    expect(page.get_by_label("A safeguarding concern about an adult (18 or over)")).to_be_checked()

    # Immediate risk comes next; yes shows the instruction before anything else.
    emergency = page.get_by_label(EMERGENCY)
    expect(emergency).to_be_hidden()
    answer_yes_no(page, "Is anyone in immediate danger now?", True)
    expect(emergency).to_be_visible()
    tab_to(page, emergency, 1)  # the very next field
    called = datetime.now(LONDON) - timedelta(hours=1)
    # The browser's date-time box (en-US): month, day, year, hour, minute, AM/PM; with its
    # max (not in the future) the four-digit year moves on to the hour by itself.
    keys.type(called.strftime("%m%d%Y%I%M%p"))
    expect(emergency).to_have_value(called.strftime("%Y-%m-%dT%H:%M"))

    type_into(page, page.get_by_label("Full name"), "Rose Example")
    dob = group(page, "Date of birth")
    type_into(page, dob.get_by_label("Day"), "3", 1)
    type_into(page, dob.get_by_label("Month"), "2", 1)
    type_into(page, dob.get_by_label("Year"), "1941", 1)
    type_into(page, page.get_by_label("What is the concern?"), "Bruising on both arms.", 4)
    tab_to(page, page.get_by_label("Physical abuse"))
    keys.press("Space")
    tab_to(page, page.get_by_label("Neglect or acts of omission"), 3)
    keys.press("Space")
    answer_yes_no(page, "Does the adult have needs for care and support?", True)
    answer_yes_no(page, "Is the adult experiencing, or at risk of, abuse or neglect?", True)
    answer_yes_no(page, "Because of those needs, are they unable to protect themselves?", True)
    type_into(page, page.get_by_label("What does the adult want to happen?"), "To stay home.", 3)
    answer_yes_no(
        page, "Do you doubt their mental capacity to make decisions about their safety?", False
    )
    answer_yes_no(
        page, "Is anyone else at risk, such as other adults or children in the home?", False
    )
    answer_yes_no(page, "Has the person agreed to this referral?", False)
    # Without consent the gate asks why and on what basis, and refuses to go on without.
    reason = page.get_by_label("Why are you sharing without consent?")
    expect(reason).to_be_visible()
    type_into(page, reason, "Asking would warn the person causing harm.", 2)
    assert serious_violations(page, axe) == []  # the form, filled in, conditions shown

    tab_to(page, page.get_by_role("button", name="Submit", exact=True), 20)
    keys.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Select the lawful basis for sharing without consent")
    expect(page.get_by_label("Why are you sharing without consent?")).to_have_value(
        "Asking would warn the person causing harm."
    )
    assert serious_violations(page, axe) == []  # the error pattern too

    # The summary's link leads to the question; answer it and submit.
    keys.press("Tab")  # from the summary (focused on load) to its first link
    expect(summary.get_by_role("link").first).to_be_focused()
    keys.press("Enter")
    basis = page.get_by_role("radio", name="To protect the person or others from serious harm")
    expect(basis).to_be_focused()
    keys.press("Space")
    tab_to(page, page.get_by_role("button", name="Submit", exact=True), 20)
    keys.press("Enter")

    expect(page).to_have_url(RECORD_PAGE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Awaiting the practice lead")
    body = page.locator("main")
    expect(body).to_contain_text("Rose Example")
    expect(body).to_contain_text("Physical abuse, Neglect or acts of omission")
    expect(body).to_contain_text("To protect the person or others from serious harm")


CHILD_CATEGORIES = [
    "Physical abuse",
    "Sexual abuse",
    "Neglect or acts of omission",
    "Emotional abuse",
    "Exploitation (criminal or sexual)",
]


def offered_categories(page: Page, count: int) -> list[str]:
    """The abuse categories the form offers now (once it offers ``count``)."""
    boxes = group(page, "Type of abuse or neglect").get_by_role("checkbox")
    expect(boxes).to_have_count(count)
    return list(boxes.evaluate_all("(els) => els.map((el) => el.labels[0].innerText.trim())"))


def test_the_categories_follow_the_kind_and_empty_sections_stay_hidden(
    page: Page, sign_in: SignIn, emails: dict[str, str], incident_live: str
) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto(incident_live)
    what, who = (
        page.get_by_role("heading", name=n) for n in ("What happened", "Who needs to know")
    )
    # Before a kind is chosen the sections of the questions that follow are not shown.
    expect(what).to_be_hidden()
    expect(who).to_be_hidden()

    page.get_by_label("A safeguarding concern about an adult (18 or over)").check()
    expect(what).to_be_visible()
    expect(who).to_be_visible()
    adult = offered_categories(page, 10)
    assert "Financial or material abuse" in adult and "Emotional abuse" not in adult
    page.get_by_label("Physical abuse").check()
    page.get_by_label("Financial or material abuse").check()

    page.get_by_label("A safeguarding concern about a child (under 18)").check()
    assert offered_categories(page, 5) == CHILD_CATEGORIES
    financial = page.locator("input[name=abuse_categories][value=financial]")
    expect(financial).to_be_hidden()
    expect(financial).not_to_be_checked()  # unticked: it would be refused for a child
    expect(page.locator(".nhsuk-checkboxes__item", has=financial)).to_be_hidden()  # its row
    expect(page.get_by_label("Physical abuse")).to_be_checked()  # allowed: kept
    assert serious_violations(page, Axe()) == []

    page.get_by_label("A safeguarding concern about an adult (18 or over)").check()
    assert offered_categories(page, 10) == adult
    expect(page.get_by_label("Financial or material abuse")).not_to_be_checked()

    page.get_by_role("radio", name=re.compile("^A patient safety event")).check()
    expect(group(page, "Type of abuse or neglect")).to_be_hidden()
    expect(what).to_be_visible()  # the event's own questions
