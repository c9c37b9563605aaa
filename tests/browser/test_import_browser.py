"""Importing a spreadsheet in a real browser: upload, preview, confirm, then a progress bar
that moves while the background import writes and ends on the result, with JavaScript
(live polling) and without it (the page refreshes itself).

The tests publish an app of their own (``import_browser``), so the records they add never
change what the other browser tests count.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services import apps as app_service
from miniapps.services.imports import records as record_import
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import func, select

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]
SERIOUS = {"serious", "critical"}
# The import itself may take a while on a busy machine; every other wait stays short.
IMPORT_MS = 90_000
DEFINITION: dict[str, Any] = {
    "id": "import_browser",
    "title": "Import browser check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["reading"],
        "properties": {"reading": {"type": "number", "title": "Reading"}},
    },
}


@pytest.fixture(scope="module")
def import_app(live_app: Flask) -> str:
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, DEFINITION["id"]) is None:
            icb = session.scalars(select(Organisation).where(Organisation.ods == "QWE")).one()
            app_service.publish(session, validate_definition(DEFINITION), [icb], None)
    return str(DEFINITION["id"])


@pytest.fixture(autouse=True)
def imports_dir(live_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(live_app.config, "IMPORTS_DIR", str(folder))
    return folder


@pytest.fixture
def records_of(live_app: Flask, import_app: str) -> Iterator[Callable[[str], int]]:
    def count(ods: str) -> int:
        # A reading session: db.transaction() would take SQLite's write lock, so wait for
        # the import's transaction and count what it committed.
        with live_app.app_context(), db.new_session(live_app, writes=False) as session:
            query = (
                select(func.count())
                .select_from(Record)
                .join(Organisation, Record.organisation_id == Organisation.id)
                .where(Record.app_id == import_app, Organisation.ods == ods)
            )
            return session.scalar(query) or 0

    yield count


def readings(rows: int, start: int = 0) -> bytes:
    return ("reading\n" + "".join(f"{(start + i) / 100}\n" for i in range(rows))).encode()


def upload_and_confirm(page: Page, app_id: str, content: bytes, rows: int) -> None:
    page.goto(f"/apps/{app_id}/import")
    upload: FilePayload = {"name": "readings.csv", "mimeType": "text/csv", "buffer": content}
    page.set_input_files("input[type=file][name=file]", files=[upload])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text(f"{rows:,} records will be imported and submitted")).to_be_visible()
    page.get_by_role("button", name=f"Import {rows} records").click()
    expect(page).to_have_url(re.compile(rf"/apps/{app_id}/import/[\w-]{{20,}}$"))


@pytest.fixture
def paced_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are written in batches of 20, each taking at least 300 ms (the real write,
    then a pause), so the bar is seen part-way whatever the machine's speed: a warm server
    writes 400 rows in one batch, faster than the page's one-second poll."""
    real = record_import.write_submitted

    def paced(*args: Any, **kwargs: Any) -> list[int]:
        ids = real(*args, **kwargs)
        time.sleep(0.3)
        return ids

    monkeypatch.setattr(record_import, "WRITE_BATCH", 20)
    monkeypatch.setattr(record_import, "write_submitted", paced)


@pytest.mark.usefixtures("paced_writes")
def test_progress_bar_moves_live_and_ends_on_the_result(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    import_app: str,
    records_of: Callable[[str], int],
    screenshot: Screenshot,
) -> None:
    before = records_of("A00001")
    sign_in(page, emails["practice_manager"])
    rows = 400
    upload_and_confirm(page, import_app, readings(rows), rows)
    bar = page.get_by_role("progressbar", name="File: readings.csv")
    expect(bar).to_be_visible()
    # The module moves the bar while rows are written (and before anything is committed).
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('[role=progressbar]');
            const now = Number(bar?.getAttribute('aria-valuenow'));
            return now > 0 && now < 100;
        }""",
        timeout=IMPORT_MS,
    )
    value_text = bar.get_attribute("aria-valuetext") or ""
    assert re.fullmatch(r"Imported \d{1,3} of 400 rows", value_text), value_text
    expect(page.locator("[data-progress-text]")).to_have_text(
        re.compile(r"Imported \d{1,3} of 400 rows \(\d{1,2}%\)")
    )
    assert records_of("A00001") == before  # all or nothing: not committed yet
    width = page.locator(".miniapps-progress__value").evaluate("e => e.style.width")
    assert width == f"{bar.get_attribute('aria-valuenow')}%"
    violations = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert violations == []
    screenshot(page, "import-progress")

    expect(page.get_by_role("heading", level=1, name="Import complete")).to_be_visible(
        timeout=IMPORT_MS
    )
    expect(page.get_by_text("Added 400 submitted records from readings.csv")).to_be_visible()
    expect(bar).to_have_attribute("aria-valuetext", "Imported 400 of 400 rows")
    assert records_of("A00001") == before + rows
    screenshot(page, "import-done")
    page.get_by_role("button", name="View the records").click()
    expect(page).to_have_url(re.compile(rf"/apps/{import_app}/$"))


@pytest.mark.usefixtures("paced_writes")  # still running when its page first shows
def test_progress_page_refreshes_itself_without_javascript(
    page_without_js: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    import_app: str,
    records_of: Callable[[str], int],
) -> None:
    page = page_without_js
    before = records_of("A00002")
    sign_in(page, emails["practice_manager_2"])
    rows = 150
    upload_and_confirm(page, import_app, readings(rows, start=5000), rows)
    progress_url = page.url
    # Still running when the page first shows: only its own meta refresh can show the end.
    expect(page.get_by_role("heading", level=1, name="Importing records")).to_be_visible()
    expect(page.get_by_role("progressbar", name="File: readings.csv")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Import complete")).to_be_visible(
        timeout=IMPORT_MS
    )
    assert page.url == progress_url  # the same page, reloaded by its meta refresh
    expect(page.get_by_text("Imported 150 of 150 rows")).to_be_visible()
    assert records_of("A00002") == before + rows
