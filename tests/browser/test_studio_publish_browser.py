"""The studio's preview and publish pages in a real browser (issue 16, item 8): a draft
previewed (nothing stored), published to one practice, filled in by that practice's
manager; then a compatible change published at once, and an incompatible change refused
until a migration is chosen, its effect previewed on the stored record, and published."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.db import db
from miniapps.models import App, Record, User
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
APP_ID = "studio_browser_check"
SERIOUS = {"serious", "critical"}

DEFINITION: dict[str, Any] = {
    "id": APP_ID,
    "title": "Shift check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["role"],
        "properties": {
            "role": {
                "type": "string",
                "title": "Role",
                "oneOf": [
                    {"const": "hca", "title": "HCA"},
                    {"const": "nurse", "title": "Nurse"},
                    {"const": "gp", "title": "GP"},
                ],
            },
            "concern": {"type": "boolean", "title": "Any concerns"},
            "details": {"type": "string", "title": "Concern details"},
            "courses": {
                "type": "array",
                "title": "Courses",
                "items": {
                    "type": "object",
                    "title": "Course",
                    "properties": {"course_name": {"type": "string", "title": "Course name"}},
                },
            },
        },
    },
    "ui": {
        "fields": {
            "/role": {"widget": "radios"},
            "/details": {
                "show_if": {"required": ["concern"], "properties": {"concern": {"const": True}}}
            },
        }
    },
}


def _drop_hca(changed: dict[str, Any]) -> None:
    changed["schema"]["properties"]["role"]["oneOf"] = [
        {"const": "nurse", "title": "Nurse"},
        {"const": "gp", "title": "GP"},
    ]


def _add_ward(changed: dict[str, Any]) -> None:
    changed["schema"]["properties"]["ward"] = {"type": "string", "title": "Ward"}


def _start_draft(
    live_app: Flask, definition: dict[str, Any] | None = None, change: Any = _drop_hca
) -> int:
    with live_app.app_context(), db.transaction(live_app) as session:
        manager = session.scalars(select(User).where(User.email == "pcn@example.nhs.uk")).one()
        access = Access(manager)
        if definition is None:  # the next version of the published app
            app = session.get(App, APP_ID)
            assert app is not None
            draft = draft_service.draft_from_app(session, access, manager, app)
            changed = draft_service.current_definition(draft)
            change(changed)
            draft_service.save_draft(
                session,
                draft,
                manager,
                changed,
                expected_revision=draft.revision,
                summary="Changed",
            )
        else:
            draft = draft_service.start_draft(session, access, manager, definition, "Started")
        return draft.id


def _records(live_app: Flask) -> list[Record]:
    with live_app.app_context(), db.transaction(live_app) as session:
        found = list(session.scalars(select(Record).where(Record.app_id == APP_ID)))
        session.expunge_all()
        return found


def _no_serious_violations(page: Page) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not serious, serious


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_preview_publish_fill_in_then_change_with_a_migration(
    page: Page, live_app: Flask, sign_in: SignIn, emails: dict[str, str]
) -> None:
    draft_id = _start_draft(live_app, DEFINITION)
    sign_in(page, emails["pcn_manager"])

    # Preview: conditions live, a test submission shows what would be stored.
    page.goto(f"/studio/{draft_id}/preview")
    expect(page.get_by_role("heading", level=1, name="Preview")).to_be_visible()
    details = page.get_by_label("Concern details")
    expect(details).to_be_hidden()
    page.get_by_role("group", name=re.compile("^Any concerns")).get_by_label("Yes").check()
    expect(details).to_be_visible()
    details.fill("Short staffed")
    page.get_by_role("radio", name="HCA").check()
    _no_serious_violations(page)
    page.get_by_role("button", name="Try submitting").click()
    stored = page.locator("#would-be-stored")
    expect(stored).to_contain_text("This is what would be stored")
    expect(stored).to_contain_text("Short staffed")
    _no_serious_violations(page)
    assert _records(live_app) == []

    # Publish to one practice: Hill Surgery.
    page.goto(f"/studio/{draft_id}/publish")
    expect(page.get_by_role("heading", level=1, name="Publish")).to_be_visible()
    expect(page.get_by_text("A new app: nothing is published under this id yet.")).to_be_visible()
    _no_serious_violations(page)
    page.get_by_text("Or choose single practices in North PCN").click()
    page.get_by_label("Hill Surgery (A00002)").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published Shift check version 1 to Hill Surgery.")).to_be_visible()
    _sign_out(page)

    # Hill Surgery's manager fills it in.
    sign_in(page, emails["practice_manager_2"])
    page.goto(f"/apps/{APP_ID}/new")
    page.get_by_role("radio", name="HCA").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/apps/{APP_ID}/records/\d+$"))
    assert [r.data["role"] for r in _records(live_app)] == ["hca"]
    _sign_out(page)

    # A compatible change (a new optional question) publishes straight away.
    compatible_id = _start_draft(live_app, change=_add_ward)
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/studio/{compatible_id}/publish")
    expect(page.get_by_text("“Ward”", exact=False).first).to_be_visible()
    expect(page.locator("#problems")).to_be_empty()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published Shift check version 2 to Hill Surgery.")).to_be_visible()
    _sign_out(page)

    # An incompatible change (the HCA choice removed) is refused until a migration is chosen.
    change_id = _start_draft(live_app)
    sign_in(page, emails["pcn_manager"])
    page.goto(f"/studio/{change_id}/publish")
    expect(page.locator("#problems")).to_contain_text("hca")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    with live_app.app_context(), db.transaction(live_app) as session:
        assert session.scalar(select(func.max(App.latest_version)).where(App.id == APP_ID)) == 2
    page.get_by_label(re.compile("HCA")).select_option(label="Nurse")
    page.get_by_role("button", name="Preview the effect").click()
    expect(page.locator("#effect")).to_have_text(
        "1 record will change: 1 answer to “Role” “HCA” become “Nurse”."
    )
    assert [r.data["role"] for r in _records(live_app)] == ["hca"]  # nothing changed yet
    page.get_by_label(re.compile("HCA")).select_option(label="Nurse")
    page.get_by_role("button", name="Use these choices").click()
    expect(
        page.get_by_text("Saved how the stored records will be carried forward.")
    ).to_be_visible()
    expect(page.locator("#problems")).not_to_contain_text("hca")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile("Published Shift check version 3"))).to_be_visible()
    assert [r.data["role"] for r in _records(live_app)] == ["nurse"]


def test_a_spreadsheet_and_a_template_become_drafts(
    page: Page, live_app: Flask, sign_in: SignIn, emails: dict[str, str], tmp_path: Any
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Name", "Course", "Hours"],
        ["Ann", "Fire safety", 2],
        ["Bob", "Fire safety", 3],
        ["Cat", "Safeguarding", 1],
    ):
        sheet.append(row)
    path = tmp_path / "staff training.xlsx"
    book.save(path)
    sign_in(page, emails["pcn_manager"])

    page.goto("/studio/upload")
    _no_serious_violations(page)
    page.set_input_files("input[type=file][name=file]", str(path))
    page.get_by_role("button", name="Upload and start a draft").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter an id for the new app")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.get_by_label("Id of your app").fill("studio_browser_training")
    page.get_by_role("button", name="Upload and start a draft").click()
    expect(page).to_have_url(re.compile(r"/studio/\d+$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Started “Staff training”. Made from the spreadsheet staff training.xlsx: 3 field(s)"
    )

    page.goto("/studio/templates")
    _no_serious_violations(page)
    page.get_by_role("link", name="Vaccine fridge daily log").click()
    page.get_by_label("Id of your app").fill("studio_browser_fridge")
    page.get_by_role("button", name="Copy and start editing").click()
    expect(page).to_have_url(re.compile(r"/studio/\d+$"))
    draft_id = page.url.rsplit("/", 1)[1]
    page.goto(f"/studio/{draft_id}/preview")
    expect(page.get_by_role("heading", level=2, name="New record")).to_be_visible()
    _no_serious_violations(page)
