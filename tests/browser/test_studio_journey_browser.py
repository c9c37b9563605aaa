"""Issue 16's "Done when" as one journey in a real browser: a PCN manager who never sees
JSON turns the staff-training spreadsheet they keep into a draft (studio upload), adds a
question shown only when "DBS checked" is No and a repeating section in the editor,
previews it with a test submission (nothing stored), publishes it to their practices,
imports the spreadsheet's example rows on the app's Import page; later a compatible
change publishes at once, and removing a choice is refused until a value mapping is
chosen, whose effect preview counts the records it changes, and after publishing the
stored records hold the mapped value. Then a practice manager fills the form in.

The app (``pcn_staff_training``) is this module's own, so its records never change what
the other browser tests count.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record, StudioDraft
from miniapps.services.studio import drafts as draft_service
from playwright.sync_api import FilePayload, Locator, Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import serious_violations
from tests.studio_workbooks import (
    TRAINING_FIELDS,
    TRAINING_ROWS,
    hidden_first_sheet,
    training_workbook,
)

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
APP_ID = "pcn_staff_training"
IMPORT_MS = 90_000
HCA_ROWS = sum(1 for row in TRAINING_ROWS[1:] if row[1] == "HCA")


@pytest.fixture(autouse=True)
def imports_dir(live_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(live_app.config, "IMPORTS_DIR", str(folder))
    return folder


def group(scope: Page | Locator, legend: str) -> Locator:
    """A fieldset by its legend, with or without "(required)"."""
    return scope.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}( \(required\))?$"))


def fill_date(scope: Page | Locator, legend: str, day: str, month: str, year: str) -> None:
    dates = group(scope, legend)
    dates.get_by_label("Day").fill(day)
    dates.get_by_label("Month").fill(month)
    dates.get_by_label("Year").fill(year)


def records(live_app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """This app's stored records: (practice ODS, answers), oldest first."""
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        rows = session.execute(
            select(Organisation.ods, Record.data)
            .join(Organisation, Record.organisation_id == Organisation.id)
            .where(Record.app_id == APP_ID)
            .order_by(Record.id)
        )
        return [(ods, dict(data)) for ods, data in rows]


def latest_version(live_app: Flask) -> int | None:
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        app = session.get(App, APP_ID)
        return None if app is None else app.latest_version


def open_draft_definition(live_app: Flask) -> dict[str, Any]:
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        draft = session.scalars(
            select(StudioDraft)
            .where(StudioDraft.app_id == APP_ID, StudioDraft.status == "open")
            .order_by(StudioDraft.id.desc())
        ).first()
        assert draft is not None
        return draft_service.current_definition(draft)


def banner(page: Page) -> Locator:
    return page.locator(".nhsuk-notification-banner")


def add_question(page: Page, kind: str, label: str, where: str | None = None) -> None:
    page.get_by_label("Kind of question").select_option(kind)
    page.get_by_label("The question, as people will read it").fill(label)
    if where is not None:
        page.get_by_label("Where", exact=True).select_option(label=where)
    page.get_by_role("button", name="Add the question").click()
    expect(banner(page)).to_contain_text(f"Added “{label}”")


def choose_role(page: Page, role: str) -> None:
    page.get_by_role("radio", name=role, exact=True).check()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def no_serious_violations(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def test_a_training_spreadsheet_becomes_a_published_app_changed_safely_later(
    page: Page, live_app: Flask, sign_in: SignIn, emails: dict[str, str], tmp_path: Path
) -> None:
    written: list[dict[str, Any]] = []  # the drafts' definitions, checked by the CLI at the end
    workbook: FilePayload = {
        "name": "Staff training 2025.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": training_workbook(),
    }
    sign_in(page, emails["pcn_manager"])

    # 1. The spreadsheet becomes a draft: one question per column, the ODS code column kept
    #    for the import.
    page.goto("/studio")
    page.get_by_role("link", name="Start from a spreadsheet or an XLSForm").click()
    page.set_input_files("input[type=file][name=file]", files=[workbook])
    page.get_by_label("Title of your app (optional)").fill("Staff training")
    page.get_by_label("Id of your app").fill(APP_ID)
    page.get_by_role("button", name="Upload and start a draft").click()
    expect(page).to_have_url(re.compile(r"/studio/\d+$"))
    draft_url = page.url
    expect(banner(page)).to_contain_text("Started “Staff training”")
    expect(banner(page)).to_contain_text("7 field(s)")
    assert list(open_draft_definition(live_app)["schema"]["properties"]) == TRAINING_FIELDS

    # 2. The editor: a question shown only when DBS checked is No, and a repeating section.
    add_question(page, "date", "DBS applied for on")
    page.get_by_role("link", name="Edit DBS applied for on", exact=True).click()
    page.get_by_label("the question", exact=True).select_option("/dbs_checked")
    page.get_by_label("is or is not").select_option("is")
    page.get_by_label("the answer", exact=True).select_option(label="“No”")
    page.get_by_role("button", name="Save when it is shown").click()
    expect(page.get_by_text("Show this when “DBS checked” is “No”")).to_be_visible()
    page.goto(draft_url)
    add_question(page, "repeat", "Courses attended")
    add_question(page, "text", "Course title", where="Inside “Courses attended”")
    add_question(page, "number", "Course hours", where="Inside “Courses attended”")
    no_serious_violations(page)
    drafted = open_draft_definition(live_app)
    written.append(drafted)
    assert drafted["ui"]["fields"]["/dbs_applied_for_on"]["show_if"] == {
        "required": ["dbs_checked"],
        "properties": {"dbs_checked": {"const": False}},
    }
    courses = drafted["schema"]["properties"]["courses_attended"]
    assert list(courses["items"]["properties"]) == ["course_title", "course_hours"]

    # 3. Preview with a test submission: the condition is live, nothing is stored.
    page.goto(draft_url + "/preview")
    applied = group(page, "DBS applied for on")
    expect(applied).to_be_hidden()
    page.get_by_label("Staff name").fill("Mia Ford")
    choose_role(page, "HCA")
    fill_date(page, "Start date", "1", "9", "2025")
    group(page, "DBS checked").get_by_label("No").check()
    expect(applied).to_be_visible()
    fill_date(page, "DBS applied for on", "2", "9", "2025")
    fill_date(page, "Mandatory training completed on", "5", "9", "2025")
    page.get_by_label("Hours of CPD").fill("2.5")
    no_serious_violations(page)
    page.get_by_role("button", name="Try submitting").click()
    stored = page.locator("#would-be-stored")
    expect(stored).to_contain_text("This is what would be stored")
    expect(stored).to_contain_text("Mia Ford")
    assert records(live_app) == []
    assert latest_version(live_app) is None

    # 4. Publish to the PCN's two practices.
    page.goto(draft_url + "/publish")
    expect(page.get_by_text("A new app: nothing is published under this id yet.")).to_be_visible()
    no_serious_violations(page)
    page.get_by_text("Or choose single practices in North PCN").click()
    page.get_by_label("North Surgery (A00001)").check()
    page.get_by_label("Hill Surgery (A00002)").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"Published Staff training version 1 to "))).to_be_visible()
    assert latest_version(live_app) == 1

    # 5. The spreadsheet's example rows imported on the app's Import page, each row to the
    #    practice its ODS code names.
    page.goto(f"/apps/{APP_ID}/import")
    page.set_input_files("input[type=file][name=file]", files=[workbook])
    page.get_by_role("button", name="Check the file").click()
    rows = len(TRAINING_ROWS) - 1
    expect(page.get_by_text(f"{rows} records will be imported and submitted")).to_be_visible()
    page.get_by_role("button", name=f"Import {rows} records").click()
    expect(page.get_by_role("heading", level=1, name="Import complete")).to_be_visible(
        timeout=IMPORT_MS
    )
    imported = records(live_app)
    assert sorted(ods for ods, _ in imported) == sorted(row[7] for row in TRAINING_ROWS[1:])
    assert sum(1 for _, data in imported if data["role"] == "HCA") == HCA_ROWS

    # 6. Later, a compatible change (a new optional question) publishes at once.
    page.goto("/studio")
    page.get_by_role("button", name="Change Staff training").click()
    expect(page).to_have_url(re.compile(r"/studio/\d+$"))
    add_question(page, "date", "Appraisal due on")
    written.append(open_draft_definition(live_app))
    page.goto(page.url.split("#")[0] + "/publish")
    expect(page.locator("#problems")).to_be_empty()
    expect(page.get_by_text("“Appraisal due on”", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"Published Staff training version 2 to "))).to_be_visible()
    assert latest_version(live_app) == 2

    # 7. Removing the HCA choice is refused until its answers are mapped to another choice;
    #    the effect preview counts the records that change; publishing migrates them.
    page.goto("/studio")
    page.get_by_role("button", name="Change Staff training").click()
    change_url = page.url.split("#")[0]
    page.get_by_role("link", name="Edit Role", exact=True).click()
    page.get_by_role("button", name="Delete HCA").click()
    expect(page.get_by_label("Choice 3")).to_have_value("Receptionist")
    page.goto(change_url + "/publish")
    expect(page.locator("#problems")).to_contain_text("HCA")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert latest_version(live_app) == 2
    page.get_by_label(re.compile("HCA")).select_option(label="Practice nurse")
    page.get_by_role("button", name="Preview the effect").click()
    expect(page.locator("#effect")).to_have_text(
        f"{HCA_ROWS} records will change: {HCA_ROWS} answers to “Role” “HCA” become "
        "“Practice nurse”."
    )
    assert sum(1 for _, data in records(live_app) if data["role"] == "HCA") == HCA_ROWS
    page.get_by_label(re.compile("HCA")).select_option(label="Practice nurse")
    page.get_by_role("button", name="Use these choices").click()
    expect(
        page.get_by_text("Saved how the stored records will be carried forward.")
    ).to_be_visible()
    expect(page.locator("#problems")).not_to_contain_text("HCA")
    mapped = open_draft_definition(live_app)
    assert mapped["migration"]["from_version"] == 2, mapped.get("migration")
    written.append(mapped)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"Published Staff training version 3 to "))).to_be_visible()
    assert latest_version(live_app) == 3
    migrated = [data["role"] for _, data in records(live_app)]
    assert "HCA" not in migrated
    nurses = sum(1 for row in TRAINING_ROWS[1:] if row[1] == "Practice nurse")
    assert migrated.count("Practice nurse") == nurses + HCA_ROWS
    sign_out(page)

    # 8. A practice manager of one of the practices fills it in.
    sign_in(page, emails["practice_manager_2"])
    before = len(records(live_app))
    page.goto(f"/apps/{APP_ID}/new")
    expect(page.get_by_role("radio", name="HCA", exact=True)).to_have_count(0)
    page.get_by_label("Staff name").fill("Noor Ali")
    choose_role(page, "Practice nurse")
    fill_date(page, "Start date", "6", "10", "2025")
    group(page, "DBS checked").get_by_label("No").check()
    fill_date(page, "DBS applied for on", "7", "10", "2025")
    fill_date(page, "Mandatory training completed on", "8", "10", "2025")
    page.get_by_label("Hours of CPD").fill("3")
    page.get_by_role("button", name=re.compile(r"^Add (a|another)")).first.click()
    page.get_by_label("Course title").fill("Basic life support")
    page.get_by_label("Course hours").fill("1.5")
    no_serious_violations(page)
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/apps/{APP_ID}/records/\d+$"))
    after = records(live_app)
    assert len(after) == before + 1
    ods, data = after[-1]
    assert ods == "A00002"
    assert data["role"] == "Practice nurse" and data["dbs_checked"] is False
    assert data["dbs_applied_for_on"] == "2025-10-07"
    assert data["courses_attended"] == [{"course_title": "Basic life support", "course_hours": 1.5}]

    # Every draft written on the way passes the real `miniapps apps validate`.
    assert validated_by_cli(tmp_path, written) == [f"ok {APP_ID} v{v}" for v in (1, 2, 3)]


def validated_by_cli(folder: Path, definitions: list[dict[str, Any]]) -> list[str]:
    paths = []
    for number, definition in enumerate(definitions):
        path = folder / f"draft_{number}.json"
        path.write_text(json.dumps(definition), encoding="utf-8")
        paths.append(str(path))
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "miniapps"), "apps", "validate", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return checked.stdout.splitlines()


def draft_saves(live_app: Flask, app_id: str) -> list[tuple[int, str]]:
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        draft = session.scalars(select(StudioDraft).where(StudioDraft.app_id == app_id)).one()
        return [
            (save.revision, save.summary) for save in draft_service.draft_history(session, draft)
        ]


def all_drafts(live_app: Flask) -> int:
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        return len(list(session.scalars(select(StudioDraft.id))))


def test_bad_input_in_the_browser_is_named_and_the_draft_is_never_lost(
    page: Page, live_app: Flask, sign_in: SignIn, emails: dict[str, str]
) -> None:
    sign_in(page, emails["pcn_manager"])
    # A workbook whose first sheet is hidden: refused by name, no draft made.
    drafts = all_drafts(live_app)
    page.goto("/studio/upload")
    hidden: FilePayload = {
        "name": "old export.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": hidden_first_sheet(),
    }
    page.set_input_files("input[type=file][name=file]", files=[hidden])
    page.get_by_label("Id of your app").fill("from_hidden_sheet")
    page.get_by_role("button", name="Upload and start a draft").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("No draft was made from the file")
    expect(summary).to_contain_text("the first sheet, 'Old', is hidden")
    no_serious_violations(page)
    assert all_drafts(live_app) == drafts

    # A blank draft with one question; a pattern that backtracks is refused at the field.
    page.goto("/studio/new")
    page.get_by_label("Name of the app").fill("Bad input check")
    page.get_by_label("Short name for its address").fill("bad_input_check")
    page.get_by_role("button", name="Start the app").click()
    draft_url = page.url.split("#")[0]
    add_question(page, "text", "Staff code")
    saves = draft_saves(live_app, "bad_input_check")
    page.get_by_role("link", name="Edit Staff code", exact=True).click()
    page.get_by_label("Pattern the answer must match").fill("(a+)+$")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".nhsuk-error-message").first).to_contain_text("can take a browser minutes")
    expect(page.get_by_label("Pattern the answer must match")).to_have_value("(a+)+$")
    assert draft_saves(live_app, "bad_input_check") == saves

    # The JSON tab: a condition on a question that does not exist is named as you type,
    # saved as typed (publishing refused), and the earlier save comes back from History.
    page.goto(draft_url + "/json")
    box = page.get_by_label("Definition (JSON)")
    expect(page.locator("form[data-studio-ready]")).to_have_count(1)  # studio.mjs listens
    typed = box.input_value().replace(
        '"version": 1,',
        '"version": 1, "ui": {"fields": {"/staff_code": {"show_if": '
        '{"required": ["zz"], "properties": {"zz": {"const": true}}}}}},',
        1,
    )
    box.fill(typed)
    line = "/ui/fields/~1staff_code/show_if/properties/zz: there is no field 'zz'"
    expect(page.locator("[data-studio-issues]")).to_contain_text(line)
    assert draft_saves(live_app, "bad_input_check") == saves  # checking saved nothing
    page.get_by_role("button", name="Save the JSON").click()
    expect(banner(page)).to_contain_text("The draft has problems to put right")
    page.goto(draft_url + "/publish")
    expect(page.locator("#problems")).to_contain_text("there is no field 'zz'")
    page.goto(draft_url + "/history")
    last_good = saves[0][0]
    page.get_by_role("button", name=f"Go back to this save (save {last_good})").click()
    expect(banner(page)).to_contain_text(f"Went back to save {last_good}")
    restored = open_definition(live_app, "bad_input_check")
    assert "ui" not in restored or "/staff_code" not in restored["ui"].get("fields", {})
    validate_definition(restored)
    assert [summary for _, summary in draft_saves(live_app, "bad_input_check")][2:] == [
        summary for _, summary in saves
    ]


def open_definition(live_app: Flask, app_id: str) -> dict[str, Any]:
    with live_app.app_context(), db.new_session(live_app, writes=False) as session:
        draft = session.scalars(select(StudioDraft).where(StudioDraft.app_id == app_id)).one()
        return draft_service.current_definition(draft)
