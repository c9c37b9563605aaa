"""Two confirms of one import at once must not double it (issue 15, fault 5).

Two previews of the same 300-row CSV, confirmed at the same moment: each import runs in
its own thread and transaction on committed data (``committed_tree_app``). Before the
fix both found no duplicates and both wrote (600 records on PostgreSQL); now the second
waits for the first (an advisory lock per app and organisation on PostgreSQL, the write
lock on SQLite) and skips all 300 rows as duplicates.
"""

from __future__ import annotations

import io
import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.imports.records import import_records
from miniapps.services.imports.serialise import import_key
from miniapps.services.permissions import SystemAccess
from sqlalchemy import func, select

PASSWORD = "correct horse battery"
EMAIL = "pm@example.nhs.uk"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
ROWS = 300
APP = {
    "id": "monthly_log",
    "title": "Monthly fridge log",
    "version": 1,
    "period": {"frequency": "monthly", "several": True},
    "schema": {
        "type": "object",
        "required": ["reading"],
        "properties": {"reading": {"type": "number", "title": "Reading"}},
    },
}
CSV = ("period,reading\n" + "".join(f"2025-04,{i / 10}\n" for i in range(ROWS))).encode()


@pytest.fixture
def live(committed_tree_app: Flask) -> Flask:
    with committed_tree_app.app_context(), db.transaction(committed_tree_app) as session:
        practice = session.scalars(select(Organisation).where(Organisation.ods == "A00001")).one()
        icb = session.scalars(select(Organisation).where(Organisation.ods == "QWE")).one()
        user_service.create_user(
            session, EMAIL, "Practice Manager", PASSWORD, "practice_manager", practice
        )
        app_service.publish(session, validate_definition(APP), [icb], actor=None)
    return committed_tree_app


def committed_records(flask_app: Flask) -> int:
    with flask_app.app_context(), db.transaction(flask_app) as session:
        return session.scalar(select(func.count()).select_from(Record)) or 0


def previewed(flask_app: Flask) -> tuple[FlaskClient, str]:
    """A signed-in client and the token of its checked upload of :data:`CSV`."""
    client = flask_app.test_client()
    signed_in = client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302
    data = {"file": (io.BytesIO(CSV), "readings.csv")}
    preview = client.post("/apps/monthly_log/import", data=data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert f"{ROWS} records will be imported" in html
    token = TOKEN.search(html)
    assert token is not None
    return client, token[1]


def finished(client: FlaskClient, page: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot: dict[str, Any] = client.get(page + "/progress").get_json()
        if snapshot["finished"]:
            return snapshot
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_two_confirms_of_one_import_at_once_import_it_once(live: Flask) -> None:
    first, second = previewed(live), previewed(live)
    assert first[1] != second[1]
    start = threading.Barrier(2)
    pages: dict[int, str] = {}

    def confirm(index: int, client: FlaskClient, token: str) -> None:
        start.wait(30)
        answer = client.post("/apps/monthly_log/import", data={"token": token})
        assert answer.status_code == 303
        pages[index] = answer.headers["Location"]

    threads = [
        threading.Thread(target=confirm, args=(i, *pair)) for i, pair in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(pages) == [0, 1]
    results = [finished(client, pages[i]) for i, (client, _) in enumerate((first, second))]
    assert [r["state"] for r in results] == ["done", "done"], results
    assert committed_records(live) == ROWS
    texts = sorted(r["text"] for r in results)
    # One wrote every row; the other found all 300 stored and skipped them.
    assert texts == ["Imported 0 of 0 rows", f"Imported {ROWS} of {ROWS} rows"], texts
    skipped = [
        client.get(pages[i]).get_data(as_text=True) for i, (client, _) in enumerate((first, second))
    ]
    assert sum(f"{ROWS} rows already imported were skipped" in html for html in skipped) == 1


def test_two_command_line_imports_at_once_import_once(live: Flask) -> None:
    """The service itself, as ``miniapps records import`` runs it: two sessions, one
    file, at once."""
    start = threading.Barrier(2)
    created: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(30)
            with live.app_context(), db.transaction(live) as session:
                app = session.get_one(App, "monthly_log")
                report = import_records(
                    session, SystemAccess(), app, CSV, "readings.csv", org="A00001",
                    dry_run=False,
                )  # fmt: skip
                assert report.ok, report.lines
                created.append(len(report.created))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert sorted(created) == [0, ROWS]
    assert committed_records(live) == ROWS


def test_lock_keys_differ_by_app_and_organisation() -> None:
    keys = {import_key(app, org) for app in ("a", "b") for org in (1, 2)}
    assert len(keys) == 4
    assert all(-(2**63) <= key < 2**63 for key in keys)
