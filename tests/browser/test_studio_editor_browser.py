"""The studio editor in a real browser (issue 16, item 8): an app with a conditional
field and a repeating section built with the keyboard alone; the same without
JavaScript; drag reorder and the JSON tab checked as you type with it; axe checks of the
draft's pages (they need a draft, so they are checked here rather than in
test_accessibility.py's PAGES)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import StudioDraft
from miniapps.services.studio import drafts as draft_service
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import serious_violations

pytestmark = pytest.mark.browser


def focused(target: Locator) -> bool:
    return bool(target.evaluate("(el) => el === document.activeElement"))


def tab_to(page: Page, target: Locator, limit: int = 150) -> None:
    """Press Tab until ``target`` has focus (Tab only: no mouse, no typed address)."""
    for _ in range(limit):
        if focused(target):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, target: Locator, value: str) -> None:
    tab_to(page, target)
    page.keyboard.type(value)


def stored(live_app: Flask, app_id: str) -> dict[str, Any]:
    with live_app.app_context(), db.transaction(live_app) as session:
        draft = session.scalars(
            select(StudioDraft).where(StudioDraft.app_id == app_id, StudioDraft.status == "open")
        ).one()
        return draft_service.current_definition(draft)


def add_question(page: Page, kind: str, label: str, where: str | None = None) -> None:
    """Choose the kind, type the label (and where), press Enter: keyboard only."""
    tab_to(page, page.get_by_label("Kind of question"))
    page.keyboard.type(kind)  # a select's type-ahead picks the kind
    type_into(page, page.get_by_label("The question, as people will read it"), label)
    if where is not None:
        tab_to(page, page.get_by_label("Where", exact=True))
        page.keyboard.type(where)
    tab_to(page, page.get_by_role("button", name="Add the question"))
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(f"Added “{label}”")


def test_an_app_with_a_condition_and_a_repeating_section_built_by_keyboard(
    page: Page, live_app: Flask, emails: dict[str, str], sign_in: Callable[..., None]
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto("/studio")  # the only address typed
    tab_to(page, page.get_by_role("link", name="Start from a blank app"))
    page.keyboard.press("Enter")
    type_into(page, page.get_by_label("Name of the app"), "Keyboard staff check")
    type_into(page, page.get_by_label("Short name for its address"), "keyboard_staff")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Keyboard staff check")).to_be_visible()

    add_question(page, "Yes", "Has a DBS check")
    add_question(page, "Text", "DBS number")
    add_question(page, "Repeating", "Courses")
    add_question(page, "Text", "Course name", where="Inside")
    rows = page.locator("[data-studio-fields] li")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("Course name")

    # Move "Courses" up with its Up button, then back down.
    tab_to(page, page.get_by_role("button", name="Up Courses", exact=True))
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Moved “Courses” up")
    expect(rows.nth(1)).to_contain_text("Courses")
    tab_to(page, page.get_by_role("button", name="Down Courses", exact=True))
    page.keyboard.press("Enter")
    expect(rows.nth(2)).to_contain_text("Courses")

    # The condition, as a sentence, on the DBS number's own page.
    tab_to(page, page.get_by_role("link", name="Edit DBS number", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="DBS number")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Save when it is shown"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Show this when “Has a DBS check” is “Yes”")).to_be_visible()

    definition = stored(live_app, "keyboard_staff")
    validate_definition(definition)
    assert definition["ui"]["fields"]["/dbs_number"]["show_if"] == {
        "required": ["has_a_dbs_check"],
        "properties": {"has_a_dbs_check": {"const": True}},
    }
    courses = definition["schema"]["properties"]["courses"]
    assert list(courses["items"]["properties"]) == ["course_name"]


def test_without_javascript_every_edit_still_works(
    page_without_js: Page, live_app: Flask, emails: dict[str, str], sign_in: Callable[..., None]
) -> None:
    page = page_without_js
    sign_in(page, emails["pcn_manager"])
    page.goto("/studio/new")
    page.get_by_label("Name of the app").fill("No script check")
    page.get_by_label("Short name for its address").fill("no_script_check")
    page.get_by_role("button", name="Start the app").click()
    for kind, label in (("one_choice", "Role"), ("text", "Registration number")):
        page.get_by_label("Kind of question").select_option(kind)
        page.get_by_label("The question, as people will read it").fill(label)
        page.get_by_role("button", name="Add the question").click()
    page.get_by_role("link", name="Edit Registration number").click()
    page.get_by_label("the question", exact=True).select_option("/role")
    page.get_by_label("is or is not").select_option("not")
    page.get_by_label("the answer", exact=True).select_option(label="“Option 2”")
    page.get_by_role("button", name="Save when it is shown").click()
    expect(page.get_by_text("Show this when “Role” is not “Option 2”")).to_be_visible()
    page.get_by_role("link", name="Back to all the questions").click()
    page.get_by_role("link", name="Edit Role").click()
    page.get_by_label("Choice 1").fill("Nurse")
    page.get_by_role("button", name="Rename Option 1").click()
    expect(page.get_by_label("Choice 1")).to_have_value("Nurse")
    definition = stored(live_app, "no_script_check")
    assert definition["schema"]["properties"]["role"]["oneOf"][0] == {
        "const": "option_1",
        "title": "Nurse",
    }


def test_drag_reorder_and_the_json_tab_checked_as_you_type(
    page: Page, live_app: Flask, emails: dict[str, str], sign_in: Callable[..., None]
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto("/studio/new")
    page.get_by_label("Name of the app").fill("Drag check")
    page.get_by_label("Short name for its address").fill("drag_check")
    page.get_by_role("button", name="Start the app").click()
    for label in ("First", "Second", "Third"):
        page.get_by_label("The question, as people will read it").fill(label)
        page.get_by_role("button", name="Add the question").click()
    rows = page.locator("[data-studio-fields] li")
    expect(rows.nth(2)).to_have_attribute("draggable", "true")  # studio.mjs has run
    # The drag's events, as a mouse drag fires them (headless chromium's own drag is flaky).
    transfer = page.evaluate_handle("new DataTransfer()")
    rows.nth(2).dispatch_event("dragstart", {"dataTransfer": transfer})
    rows.nth(0).dispatch_event("dragover", {"dataTransfer": transfer})
    rows.nth(0).dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Moved “Third”")
    expect(rows.nth(0)).to_contain_text("Third")
    assert list(stored(live_app, "drag_check")["schema"]["properties"]) == [
        "third",
        "first",
        "second",
    ]

    page.get_by_role("link", name="JSON", exact=True).click()
    box = page.get_by_label("Definition (JSON)")
    issues = page.locator("[data-studio-issues]")
    expect(issues).to_contain_text("No problems")
    expect(page.locator("form[data-studio-ready]")).to_have_count(1)  # studio.mjs listens
    box.fill(box.input_value().replace('"version": 1', '"version": 0'))
    expect(issues).to_contain_text("/version: ")
    box.fill("{")
    expect(issues).to_contain_text(": is not valid JSON")
    # Checking saved nothing.
    assert stored(live_app, "drag_check")["version"] == 1


def test_the_draft_pages_have_no_serious_accessibility_violations(
    page: Page, emails: dict[str, str], sign_in: Callable[..., None]
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto("/studio/new")
    page.get_by_label("Name of the app").fill("Axe check")
    page.get_by_label("Short name for its address").fill("axe_check")
    page.get_by_role("button", name="Start the app").click()
    page.get_by_label("Kind of question").select_option("yes_no")
    page.get_by_label("The question, as people will read it").fill("Any concerns")
    page.get_by_role("button", name="Add the question").click()
    page.get_by_label("Kind of question").select_option("one_choice")
    page.get_by_label("The question, as people will read it").fill("Kind of concern")
    page.get_by_role("button", name="Add the question").click()
    editor = re.sub(r"#.*$", "", page.url)
    for path in ("", "/field?pointer=/kind_of_concern", "/json", "/history"):
        page.goto(editor + path)
        assert serious_violations(page) == [], path
