"""Issue 11 in a real browser: the worked example's branches and empty repeats, every IIF
problem in one round, and publishing a documented example that someone else published
(with axe checks)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from tests.core.forms.test_worked_example import worked_example

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}
SignIn = Callable[[Page, str], None]


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def group(scope: Page | Locator, legend: str) -> Locator:
    return scope.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}( \(required\))?$"))


def label(text: str) -> re.Pattern[str]:
    """A field's label, with or without its "(required)" marker."""
    return re.compile(rf"^{re.escape(text)}( \(required\))?$")


def indicator(page: Page, code: str) -> Locator:
    """An indicator's fieldset by its code ("CAN-04: Lower GI ...")."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(code)}: ")).first


@pytest.fixture(scope="module")
def ipc_audit(live_app: Flask) -> str:
    """The worked example of docs/app-definitions.md, published to the test ICB."""
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, "ipc_audit") is None:
            icb = session.scalars(select(Organisation).where(Organisation.ods == "QWE")).one()
            app_service.publish(session, validate_definition(worked_example()), [icb], None)
    return "/apps/ipc_audit/new"


def test_worked_example_yes_hides_failed_areas_and_no_adds_one(
    page: Page, sign_in: SignIn, emails: dict[str, str], ipc_audit: str
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto(ipc_audit)
    passed = group(page, "Did every area pass?")
    failures = group(page, "Areas that failed")
    sign_off = page.get_by_label("Name of the person signing off")

    passed.get_by_label("Yes").check()
    expect(failures).to_be_hidden()
    expect(page.get_by_text("Failed area 1")).to_be_hidden()
    expect(sign_off).to_be_visible()

    passed.get_by_label("No").check()
    expect(failures).to_be_visible()
    expect(sign_off).to_be_hidden()
    # Required now, with minItems 1: one item is there to fill in, and no more.
    first = group(page, "Failed area 1")
    expect(first).to_be_visible()
    expect(group(page, "Failed area 2")).to_have_count(0)
    first.get_by_label("Area or room").fill("Treatment room 2")
    page.get_by_role("button", name="Add another failed area").click()
    expect(group(page, "Failed area 2").get_by_label("Area or room")).to_be_focused()
    assert serious_violations(page) == []

    # Back to Yes: the section hides again, the answers kept for a draft.
    passed.get_by_label("Yes").check()
    expect(failures).to_be_hidden()
    expect(sign_off).to_be_visible()


def test_worked_example_without_javascript_starts_with_no_failed_area(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str], ipc_audit: str
) -> None:
    page = page_without_js
    sign_in(page, emails["practice_manager"])
    page.goto(ipc_audit)
    expect(page.get_by_text("Failed area 1")).to_have_count(0)
    expect(page.get_by_role("button", name="Add a failed area")).to_be_hidden()  # not required


def test_iif_two_different_problems_are_reported_in_one_submit(
    page: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str
) -> None:
    sign_in(page, emails["practice_manager_2"])
    page.goto("/apps/iif_tracker/new?period=2025-08")
    can, hi = indicator(page, "CAN-04"), indicator(page, "HI-03")
    can.get_by_role("textbox", name=label("Numerator")).fill("twelve")
    can.get_by_role("textbox", name=label("Denominator")).fill("40")
    hi.get_by_role("textbox", name=label("Numerator")).fill("30")
    hi.get_by_role("textbox", name=label("Denominator")).fill("10")
    page.get_by_role("button", name="Submit", exact=True).click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "CAN-04: numerator must be a whole number",
            "HI-03: the numerator (30) cannot be more than the denominator (10)",
        ]
    )
    links.nth(0).click()
    expect(
        indicator(page, "CAN-04").get_by_role("textbox", name=label("Numerator"))
    ).to_be_focused()
    links.nth(1).click()
    expect(indicator(page, "HI-03").get_by_role("textbox", name=label("Numerator"))).to_be_focused()
    assert serious_violations(page) == []


def test_publishing_someone_elses_example_is_refused_at_the_check_with_the_json_kept(
    page: Page, sign_in: SignIn, emails: dict[str, str]
) -> None:
    source = json.dumps(json.loads(_example("staff_training")), indent=2)
    sign_in(page, emails["pcn_manager"])
    page.goto("/apps/publish")
    page.get_by_label("Or paste the definition").fill(source)
    page.get_by_role("button", name="Check and preview").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("also published to Test ICB")
    expect(summary).to_contain_text("Publish under a new app id")
    expect(summary).to_contain_text("staff_training_2")
    expect(page.get_by_role("heading", name=re.compile("^Preview:"))).to_have_count(0)
    assert json.loads(page.get_by_label("Or paste the definition").input_value()) == json.loads(
        source
    )
    # Targets come from the hierarchy: the PCN with its practices named beneath it.
    expect(page.get_by_label("All of North PCN (U00001)")).to_be_visible()
    expect(page.get_by_text("Reaches 2 practices: Hill Surgery, North Surgery")).to_be_visible()
    assert serious_violations(page) == []

    # The way out: a new id passes the check, and the preview comes first.
    page.get_by_label("Or paste the definition").fill(
        source.replace('"id": "staff_training"', '"id": "staff_training_2"')
    )
    page.get_by_role("button", name="Check and preview").click()
    preview = page.get_by_role("heading", name=re.compile("^Preview: "))
    expect(preview).to_be_visible()
    publish = page.get_by_role("button", name="Publish", exact=True)
    assert preview.bounding_box()["y"] < publish.bounding_box()["y"]  # type: ignore[index]
    assert serious_violations(page) == []


def _example(name: str) -> str:
    from pathlib import Path

    return (
        Path(__file__).resolve().parents[2] / "docs" / "examples" / name / "app.json"
    ).read_text()
