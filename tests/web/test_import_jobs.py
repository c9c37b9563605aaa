"""Confirmed imports run in the background with a progress page (upload → preview → confirm
→ progress → result), all or nothing.

The import thread opens its own session, so these tests use a database of committed data
(``shared_db_url``) rather than the rolled-back ``db_session``, and watch the job through
the real progress endpoint.
"""

from __future__ import annotations

import io
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.imports import records as record_import
from miniapps.services.imports.store import ImportFolder, ImportProgress
from miniapps.services.permissions import SystemAccess
from miniapps.services.returns.tracking import lock_period
from sqlalchemy import func, select

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
PROGRESS_PAGE = re.compile(r"/apps/(\w+)/import/([\w-]+)$")
APP = {
    "id": "monthly_log",
    "title": "Monthly fridge log",
    "version": 1,
    "period": {"frequency": "monthly", "several": True},  # several readings a month
    "schema": {
        "type": "object",
        "required": ["reading"],
        "properties": {"reading": {"type": "number", "title": "Reading"}},
    },
}
USERS = {
    "pm": ("pm@example.nhs.uk", "practice_manager", "A00001"),
    "staff": ("staff@example.nhs.uk", "practice_staff", "A00001"),
}


@pytest.fixture
def live(committed_tree_app: Flask) -> Flask:
    """An app on committed data: two practices, a manager and staff, ``monthly_log``."""
    with committed_tree_app.app_context(), db.transaction(committed_tree_app) as session:
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        for email, role, ods in USERS.values():
            user_service.create_user(session, email, role, PASSWORD, role, orgs[ods])
        app_service.publish(session, validate_definition(APP), [orgs["QWE"]], actor=None)
    return committed_tree_app


def signed_in(flask_app: Flask, who: str) -> FlaskClient:
    client = flask_app.test_client()
    response = client.post("/auth/login", data={"email": USERS[who][0], "password": PASSWORD})
    assert response.status_code == 302
    return client


def committed_records(flask_app: Flask) -> int:
    """Records any other connection sees, i.e. committed ones (a read: on SQLite it does
    not wait for the import's write lock, as a writing ``db.transaction`` would)."""
    with flask_app.app_context(), db.new_session(flask_app, writes=False) as session:
        return session.scalar(select(func.count()).select_from(Record)) or 0


def csv_of(rows: list[tuple[str, float]]) -> bytes:
    return ("period,reading\n" + "".join(f"{p},{r}\n" for p, r in rows)).encode()


def confirm(client: FlaskClient, content: bytes) -> str:
    """Upload, check the preview offers the import, confirm; the progress page's path."""
    data = {"file": (io.BytesIO(content), "readings.csv")}
    preview = client.post("/apps/monthly_log/import", data=data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    token = TOKEN.search(html)
    assert token is not None, html
    started = client.post("/apps/monthly_log/import", data={"token": token[1]})
    assert started.status_code == 303
    location = started.headers["Location"]
    assert PROGRESS_PAGE.search(location), location
    return location


def wait_until_finished(client: FlaskClient, page: str, timeout: float = 60) -> list[dict]:
    """Every distinct progress snapshot seen until the import finished."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(page + "/progress")
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"
        snapshot = answer.get_json()
        if not seen or seen[-1] != snapshot:
            seen.append(snapshot)
        if snapshot["finished"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish: {seen[-3:]}")


def test_confirmed_import_runs_in_the_background_and_shows_the_result(live: Flask) -> None:
    client = signed_in(live, "pm")
    page = confirm(client, csv_of([("2025-04", 4), ("2025-04", 5), ("2025-04", 4)]))
    snapshots = wait_until_finished(client, page)
    assert snapshots[-1] == {
        "state": "done",
        "finished": True,
        "done": 2,
        "total": 2,
        "percent": 100,
        "text": "Imported 2 of 2 rows",
    }
    html = client.get(page).get_data(as_text=True)
    assert "Import complete" in html and "nhsuk-panel" in html
    assert "Added <strong>2</strong> submitted records from readings.csv" in html
    assert "1 row already imported was skipped" in html and "row 4: duplicate of row 2" in html
    assert 'href="/apps/monthly_log/"' in html and "View the records" in html
    assert 'role="progressbar"' in html and 'aria-valuenow="100"' in html
    assert 'http-equiv="refresh"' not in html and "import_progress.mjs" not in html
    assert committed_records(live) == 2
    folder = Path(live.config["IMPORTS_DIR"])
    token = page.rsplit("/", 1)[1]
    assert sorted(p.name for p in folder.iterdir()) == [f"{token}.json", f"{token}.progress.json"]
    # Confirming again (a double click, the back button) shows the same import, not a second.
    again = client.post("/apps/monthly_log/import", data={"token": token})
    assert again.status_code == 303 and again.headers["Location"].endswith(page)
    assert committed_records(live) == 2


def test_progress_is_visible_while_the_write_transaction_is_open(
    live: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of 10 rows, each taking a while: a real import is bigger, not slower.
    real = record_import.write_submitted

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return real(*args, **kwargs)

    monkeypatch.setattr(record_import, "WRITE_BATCH", 10)
    monkeypatch.setattr(record_import, "write_submitted", slow)
    client = signed_in(live, "pm")
    total = 300
    page = confirm(client, csv_of([("2025-04", i / 10) for i in range(total)]))
    seen_mid_way = None
    deadline = time.monotonic() + 60
    while seen_mid_way is None and time.monotonic() < deadline:
        snapshot = client.get(page + "/progress").get_json()
        assert not snapshot["finished"], "finished before any progress was seen mid-way"
        if snapshot["state"] == "importing" and 0 < snapshot["done"] < total:
            # Rows are written but not committed: no other connection sees any of them.
            assert committed_records(live) == 0
            seen_mid_way = snapshot
            html = client.get(page).get_data(as_text=True)
        time.sleep(0.02)
    assert seen_mid_way is not None
    assert re.fullmatch(r"Imported \d{1,3} of 300 rows", seen_mid_way["text"])
    assert seen_mid_way["percent"] == seen_mid_way["done"] * 100 // total
    assert '<h1 id="import-heading">Importing records</h1>' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert 'src="/static/js/import_progress.mjs"' in html
    assert re.search(r'aria-valuenow="\d+" aria-valuetext="Imported \d+ of 300 rows"', html)
    assert "Nothing is saved until every row has been written" in html
    snapshots = wait_until_finished(client, page)
    assert snapshots[-1]["text"] == "Imported 300 of 300 rows"
    assert committed_records(live) == total


def test_a_failure_mid_way_writes_nothing_and_lists_the_problem(live: Flask) -> None:
    client = signed_in(live, "pm")
    rows = [("2025-04", i / 10) for i in range(100)] + [("2025-05", 1.5)]
    content = csv_of(rows)
    data = {"file": (io.BytesIO(content), "readings.csv")}
    preview = client.post("/apps/monthly_log/import", data=data).get_data(as_text=True)
    token = TOKEN.search(preview)
    assert token is not None and "101 records will be imported" in preview
    # Between the preview and the confirmation the PCN signs May off: row 102 fails after
    # 100 rows were written inside the import's transaction.
    with live.app_context(), db.transaction(live) as session:
        pcn = session.scalars(select(Organisation).where(Organisation.ods == "U00001")).one()
        app = session.get_one(App, "monthly_log")
        lock_period(session, SystemAccess(), app, pcn, "2025-05", actor=None)
    started = client.post("/apps/monthly_log/import", data={"token": token[1]})
    page = started.headers["Location"]
    snapshots = wait_until_finished(client, page)
    assert snapshots[-1]["state"] == "failed"
    assert snapshots[-1]["text"] == "Nothing was imported"
    assert committed_records(live) == 0
    html = client.get(page).get_data(as_text=True)
    assert "The import did not run" in html and "nhsuk-error-summary" in html
    assert "Nothing was imported: fix this problem and upload the file again" in html
    assert "row 102: May 2025 is locked for North PCN (U00001)" in html
    assert 'role="progressbar"' not in html and 'http-equiv="refresh"' not in html
    assert 'name="period" value=""' in html and 'id="file"' in html  # upload again
    assert not (Path(live.config["IMPORTS_DIR"]) / f"{token[1]}.upload").exists()


def test_only_the_uploader_sees_an_import_and_unknown_ones_are_404(live: Flask) -> None:
    owner = signed_in(live, "pm")
    page = confirm(owner, csv_of([("2025-04", 1)]))
    wait_until_finished(owner, page)
    other = signed_in(live, "staff")
    for client, path in [
        (other, page),
        (owner, "/apps/monthly_log/import/" + "x" * 32),
        (owner, "/apps/monthly_log/import/not-a-token"),
    ]:
        response = client.get(path)
        assert response.status_code == 404
        assert "There is no import at this address for you" in response.get_data(as_text=True)
        answer = client.get(path + "/progress")
        assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    assert owner.get(page).status_code == 200


def test_an_import_whose_process_died_is_reported_as_stopped(live: Flask) -> None:
    client = signed_in(live, "pm")
    with live.app_context(), db.transaction(live) as session:
        user_id = session.scalar(select(User.id).where(User.email == USERS["pm"][0]))
    folder = ImportFolder(Path(live.config["IMPORTS_DIR"]))
    note = {"user_id": user_id, "app_id": "monthly_log", "filename": "old.csv", "rows": 9}
    token = folder.keep(b"period,reading\n", note)
    with subprocess.Popen(["true"]) as finished_process:  # a pid no process has any more
        finished_process.wait()
    stopped = ImportProgress("importing", "old.csv", done=3, total=9, pid=finished_process.pid)
    assert folder.claim(token, stopped)
    answer = client.get(f"/apps/monthly_log/import/{token}/progress").get_json()
    assert answer["state"] == "failed" and answer["finished"] is True
    html = client.get(f"/apps/monthly_log/import/{token}").get_data(as_text=True)
    assert "The import stopped before it finished (the server was restarted)" in html
