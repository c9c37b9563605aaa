"""The staff_training record form in a real browser: live conditions, repeating sections,
the NHS.UK error pattern, keyboard use, no JavaScript, and axe accessibility checks.

Records for the dashboard check are made only by ``practice_manager`` (North Surgery);
the other tests that save records act for Hill Surgery, so test order never matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

NEW_RECORD = "/apps/staff_training/new"
RECORD_PAGE = re.compile(r"/apps/staff_training/records/(\d+)$")
SERIOUS = {"serious", "critical"}

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]


# --- helpers -------------------------------------------------------------------------------


def group(scope: Page | Locator, legend: str) -> Locator:
    """A fieldset by its legend (radios, dates, repeat items), with or without "(required)"."""
    return scope.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}( \(required\))?$"))


def fill_date(scope: Page | Locator, legend: str, day: str, month: str, year: str) -> None:
    dates = group(scope, legend)
    dates.get_by_label("Day").fill(day)
    dates.get_by_label("Month").fill(month)
    dates.get_by_label("Year").fill(year)


def course(page: Page, number: int) -> Locator:
    return group(page, f"Course {number}")


def fill_course(page: Page, number: int, name: str, passed: bool = True) -> None:
    item = course(page, number)
    item.get_by_label("Course name").fill(name)
    fill_date(item, "Date completed", "14", "1", "2025")
    group(item, "Passed").get_by_label("Yes" if passed else "No").check()


def fill_person(page: Page, name: str) -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_role("radio", name="Practice nurse").check()
    fill_date(page, "Start date", "3", "2", "2025")


def answer(page: Page, label: str) -> Locator:
    """The value cell of the record page's answers row(s) labelled ``label``."""
    key = page.locator(".nhsuk-summary-list__key", has_text=label)
    return page.locator(".nhsuk-summary-list__row", has=key).locator(".nhsuk-summary-list__value")


def expect_plain_labels(page: Page) -> None:
    """Answer labels are text, not markup shown as text (``<span>Full name</span>``)."""
    keys = page.locator(".nhsuk-summary-list__key")
    expect(keys.first).to_be_visible()
    expect(keys.filter(has_text="<"), "answer labels show escaped HTML").to_have_count(0)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Submit", exact=True).click()


def dbs_number(page: Page) -> Locator:
    return page.get_by_label("DBS certificate number")


# --- 1. the whole journey ---------------------------------------------------------------


def test_fill_in_conditional_and_repeat_then_see_record_and_dashboard(
    page: Page, sign_in: SignIn, emails: dict[str, str], screenshot: Screenshot
) -> None:
    sign_in(page, emails["practice_manager"])
    expect(page.get_by_role("link", name="Staff training record", exact=True)).to_be_visible()
    screenshot(page, "home")

    page.goto(NEW_RECORD)
    expect(page.get_by_role("heading", level=1, name="New record")).to_be_visible()
    expect(dbs_number(page)).to_be_hidden()
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads

    fill_person(page, "Alex Carter")
    page.get_by_label("Has an enhanced DBS check").check()
    expect(dbs_number(page)).to_be_visible()
    dbs_number(page).fill("001234567890")
    # Unticking hides it again, and ticking brings it back with the value kept.
    page.get_by_label("Has an enhanced DBS check").uncheck()
    expect(dbs_number(page)).to_be_hidden()
    page.get_by_label("Has an enhanced DBS check").check()
    expect(dbs_number(page)).to_have_value("001234567890")

    fill_course(page, 1, "Basic life support")
    expect(course(page, 2)).to_have_count(0)
    page.get_by_role("button", name="Add another course").click()
    expect(course(page, 2)).to_be_visible()
    expect(course(page, 2).get_by_label("Course name")).to_be_focused()
    expect(course(page, 2).get_by_label("Course name")).to_have_value("")
    fill_course(page, 2, "Safeguarding adults level 3", passed=False)

    # Remove the first item: the second is renumbered and keeps its answers.
    course(page, 1).get_by_role("button", name="Remove Course 1").click()
    expect(course(page, 2)).to_have_count(0)
    expect(course(page, 1).get_by_label("Course name")).to_have_value("Safeguarding adults level 3")
    page.get_by_role("button", name="Add another course").click()
    fill_course(page, 2, "Infection prevention and control")

    page.get_by_role("checkbox", name="Immunisation", exact=True).check()
    page.get_by_label("CPD hours this year").fill("12.5")
    assert page.evaluate("window.stillTheSamePage") is True  # every change above was live
    screenshot(page, "form")

    submit(page)
    expect(page).to_have_url(RECORD_PAGE)
    expect(page.get_by_text(re.compile(r"Record \d+ submitted\."))).to_be_visible()
    expect(answer(page, "Full name")).to_have_text("Alex Carter")
    expect(answer(page, "Role")).to_have_text("Practice nurse")
    expect(answer(page, "DBS certificate number")).to_have_text("001234567890")
    expect(answer(page, "Course name")).to_have_text(
        ["Safeguarding adults level 3", "Infection prevention and control"]
    )
    expect(page.get_by_text("Basic life support")).to_have_count(0)
    record_url = page.url
    screenshot(page, "record")

    page.goto("/apps/staff_training/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard for North Surgery")
    total = page.locator(".miniapps-dashboard-total")
    expect(total.get_by_role("heading")).to_have_text("Submitted records")
    expect(total.locator(".nhsuk-card__description")).to_have_text("1")
    by_org = page.get_by_role("region", name="Records by organisation").get_by_role("table")
    # Responsive table cells start with their (visually hidden) column heading.
    north = by_org.get_by_role("row").filter(has_text="North Surgery").get_by_role("cell")
    expect(north).to_have_text(
        [re.compile(rf"\b{v}\s*$") for v in ("North Surgery", "A00001", "1")]
    )
    by_role = page.get_by_role("region", name="Role").get_by_role("table")
    expect(by_role.get_by_role("row", name="Practice nurse")).to_contain_text("1")
    screenshot(page, "dashboard")

    page.goto(record_url)
    expect_plain_labels(page)


# --- 2. the NHS.UK error pattern -----------------------------------------------------------


def test_missing_answers_show_summary_linked_to_fields_and_keep_input(
    page: Page, sign_in: SignIn, emails: dict[str, str], screenshot: Screenshot
) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto(NEW_RECORD)
    # Full name left empty; DBS ticked without its (now required) number.
    page.get_by_role("radio", name="Practice nurse").check()
    fill_date(page, "Start date", "3", "2", "2025")
    page.get_by_label("Has an enhanced DBS check").check()
    fill_course(page, 1, "Basic life support")
    page.get_by_label("Notes").fill("Starts on the late shift.")
    submit(page)

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the design system moves focus to the summary
    # The summary comes before the page heading.
    assert summary.evaluate(
        "(el) => Boolean(el.compareDocumentPosition(document.querySelector('h1'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)

    name_link = links.first
    name_message = name_link.inner_text().strip()
    assert name_message
    name_link.click()
    name = page.get_by_label("Full name")
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(re.compile(re.escape(name_message)))

    dbs_link = links.nth(1)
    dbs_message = dbs_link.inner_text().strip()
    dbs_link.click()
    expect(dbs_number(page)).to_be_visible()
    expect(dbs_number(page)).to_be_focused()
    expect(dbs_number(page)).to_have_accessible_description(re.compile(re.escape(dbs_message)))

    # Everything else the user typed is still there.
    expect(page.get_by_role("radio", name="Practice nurse")).to_be_checked()
    expect(group(page, "Start date").get_by_label("Year")).to_have_value("2025")
    expect(page.get_by_label("Has an enhanced DBS check")).to_be_checked()
    expect(course(page, 1).get_by_label("Course name")).to_have_value("Basic life support")
    expect(page.get_by_label("Notes")).to_have_value("Starts on the late shift.")
    screenshot(page, "form-errors")


# --- 3. keyboard only ----------------------------------------------------------------------


def tab_to(page: Page, target: Locator, limit: int = 40) -> list[str]:
    """Press Tab until ``target`` has focus; returns the ids focused on the way."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
        if target.evaluate("(el) => el === document.activeElement"):
            return seen
    raise AssertionError(f"Tab never reached {target}; focus went through {seen}")


def test_keyboard_only(page: Page, sign_in: SignIn, emails: dict[str, str]) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto(NEW_RECORD)
    keys = page.keyboard

    tab_to(page, page.get_by_label("Full name"))
    keys.type("Sam Okafor")
    path = tab_to(page, page.get_by_role("radio", name="GP"), limit=2)
    keys.press("ArrowDown")  # moves to and selects the next radio
    expect(page.get_by_role("radio", name="Practice nurse")).to_be_checked()
    start = group(page, "Start date")
    path += tab_to(page, start.get_by_label("Day"), limit=2)
    keys.type("3")
    keys.press("Tab")
    keys.type("2")
    keys.press("Tab")
    keys.type("2025")
    tab_to(page, page.get_by_label("Has an enhanced DBS check"), limit=1)
    keys.press("Space")
    expect(dbs_number(page)).to_be_visible()
    tab_to(page, dbs_number(page), limit=1)  # the revealed field is next in tab order
    keys.type("001234567890")

    first = course(page, 1)
    # Fields inside a repeat item keep the schema's property order (on every database).
    pointers = first.locator("[data-pointer]").evaluate_all(
        "els => els.map(e => e.dataset.pointer)"
    )
    assert pointers == ["/courses/0/name", "/courses/0/completed", "/courses/0/passed"], pointers
    tab_to(page, first.get_by_label("Course name"), limit=2)
    keys.type("Basic life support")
    keys.press("Tab")
    keys.type("14")
    keys.press("Tab")
    keys.type("1")
    keys.press("Tab")
    keys.type("2025")
    tab_to(page, group(first, "Passed").get_by_label("Yes"), limit=1)
    keys.press("Space")
    # "Add another" by keyboard: focus lands in the new item.
    tab_to(page, page.get_by_role("button", name="Add another course"), limit=3)
    keys.press("Enter")
    second = course(page, 2)
    expect(second.get_by_label("Course name")).to_be_focused()
    keys.type("Fire safety")
    keys.press("Tab")
    keys.type("20")
    keys.press("Tab")
    keys.type("1")
    keys.press("Tab")
    keys.type("2025")
    tab_to(page, group(second, "Passed").get_by_label("Yes"), limit=1)
    keys.press("Space")

    tab_to(page, page.get_by_label("Notes"), limit=15)
    keys.type("Entered with the keyboard.")
    tab_to(page, page.get_by_role("button", name="Submit", exact=True), limit=4)
    keys.press("Enter")

    expect(page).to_have_url(RECORD_PAGE)
    expect(answer(page, "Full name")).to_have_text("Sam Okafor")
    expect(answer(page, "Course name")).to_have_text(["Basic life support", "Fire safety"])
    expect(answer(page, "Notes")).to_have_text("Entered with the keyboard.")


# --- 4. without JavaScript -----------------------------------------------------------------


def test_form_works_without_javascript(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str]
) -> None:
    page = page_without_js
    sign_in(page, emails["practice_manager_2"])
    page.goto(NEW_RECORD)
    expect(dbs_number(page)).to_be_hidden()

    fill_person(page, "Jo Patel")
    page.get_by_label("Has an enhanced DBS check").check()
    expect(dbs_number(page)).to_be_hidden()  # no script: conditions apply on the next post
    fill_course(page, 1, "Basic life support")

    # "Add another" is a real submit button: the server adds the item and keeps the answers.
    page.get_by_role("button", name="Add another course").click()
    expect(course(page, 2)).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Jo Patel")
    expect(course(page, 1).get_by_label("Course name")).to_have_value("Basic life support")
    expect(dbs_number(page)).to_be_visible()  # the condition holds, so the server shows it
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)  # nothing was validated

    # Submitting without the now required number: refused, the field shown with its error.
    fill_course(page, 2, "Fire safety")
    submit(page)
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(dbs_number(page)).to_be_visible()
    expect(dbs_number(page)).to_have_accessible_description(re.compile(r"\S"))

    # "Remove" works the same way.
    page.get_by_role("button", name="Remove Course 1").click()
    expect(course(page, 2)).to_have_count(0)
    expect(course(page, 1).get_by_label("Course name")).to_have_value("Fire safety")

    dbs_number(page).fill("001234567890")
    submit(page)
    expect(page).to_have_url(RECORD_PAGE)
    expect(answer(page, "DBS certificate number")).to_have_text("001234567890")
    expect(answer(page, "Course name")).to_have_text("Fire safety")


# --- 5. axe --------------------------------------------------------------------------------


def serious_violations(page: Page, axe: Axe) -> list[str]:
    results = axe.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:160] for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_pages_have_no_serious_accessibility_violations(
    page: Page, sign_in: SignIn, emails: dict[str, str]
) -> None:
    axe = Axe()
    found: list[str] = []

    page.goto("/auth/login")
    found += serious_violations(page, axe)

    sign_in(page, emails["practice_manager_2"])
    found += serious_violations(page, axe)  # home

    page.goto(NEW_RECORD)
    page.get_by_label("Has an enhanced DBS check").check()
    submit(page)  # everything missing: errors on every required field
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    found += serious_violations(page, axe)

    fill_person(page, "Axe Tester")
    dbs_number(page).fill("001234567890")
    fill_course(page, 1, "Basic life support")
    submit(page)
    expect(page).to_have_url(RECORD_PAGE)
    found += serious_violations(page, axe)

    page.goto("/apps/staff_training/dashboard")
    found += serious_violations(page, axe)

    assert not found, "\n".join(found)


# --- the page frame ------------------------------------------------------------------------


def test_header_navigation_has_named_links(
    page: Page, sign_in: SignIn, emails: dict[str, str]
) -> None:
    sign_in(page, emails["practice_manager"])
    menu = page.get_by_role("banner").get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="My apps")).to_be_visible()
    # Every menu entry is a link with a name (no empty items).
    expect(menu.get_by_role("listitem").filter(has_not=page.get_by_role("link"))).to_have_count(0)


def test_pages_load_nothing_from_other_sites(
    page: Page, sign_in: SignIn, emails: dict[str, str], offsite_requests: list[str]
) -> None:
    """No CDN at run time: fonts, scripts and images all come from the app's own static files."""
    sign_in(page, emails["practice_manager"])
    page.goto(NEW_RECORD)
    page.goto("/apps/staff_training/dashboard")
    assert sorted(set(offsite_requests)) == []
