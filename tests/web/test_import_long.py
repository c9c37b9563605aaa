"""Uploading a clinical-system extract for the IIF tracker in the browser: the generic
import page checks it (preview), then the confirmed import runs in the background."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from miniapps.core.definitions.loading import load_definition
from miniapps.db import db
from miniapps.models import Organisation, Record
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.indicators.year_set_loading import load_year_set
from sqlalchemy import func, select

IIF_DIR = Path(__file__).resolve().parents[2] / "apps" / "iif_tracker"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
PASSWORD = "correct horse battery"
EXTRACT = (
    "ods,indicator,numerator,denominator,exclusions,list_size\n"
    "A00001,CAN-04,30,41,2,9800\n"
    "A00001,HI-03,18,25,1,9800\n"
    "A00002,CAN-04,12,20,0,7000\n"
    "A00002,HI-03,5,9,,7000\n"
)


@pytest.fixture(autouse=True)
def imports_dir(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORTS_DIR", str(folder))
    return folder


def upload(client: Any, text: str, **form: str) -> Any:
    data = {"file": (io.BytesIO(text.encode()), "extract.csv"), **form}
    return client.post("/apps/iif_tracker/import", data=data, content_type="multipart/form-data")


def test_preview_of_an_extract_shows_returns_and_problems(
    client, db_session, users, iif_app, login
) -> None:
    login(users["pcn_manager"])
    assert client.get("/apps/iif_tracker/import").status_code == 200
    preview = upload(client, EXTRACT, period="2025-06")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "2 records will be imported and submitted" in html
    assert "4 rows make 2 returns, one per organisation and period" in html
    assert "Indicator code" in html and "Registered list size" in html
    assert TOKEN.search(html)
    bad = EXTRACT + "A00002,ACC-08,1,2,,7000\nA00001,CAN-04,50,41,,9800\nA00003,HI-03,1,2,,1\n"
    rejected = upload(client, bad, period="2025-06")
    page = rejected.get_data(as_text=True)
    assert rejected.status_code == 422
    assert "Nothing was imported" in page and not TOKEN.search(page)
    assert "row 6, column indicator: ACC-08 is not an indicator of 2025/26 (CAN-04, HI-03)" in page
    assert "row 7, column indicator: duplicate row: A00001 CAN-04 is also in row 2" in page
    assert "row 8, column ods: you may not add records for South Surgery (A00003)" in page
    no_period = upload(client, EXTRACT).get_data(as_text=True)
    assert "add a period column or choose the period (like 2025-04)" in no_period
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0


@pytest.fixture
def live(committed_tree_app: Flask) -> Flask:
    """Committed data (the import runs in its own thread and session): a PCN with two
    practices, its manager, the IIF tracker and its year sets."""
    with committed_tree_app.app_context(), db.transaction(committed_tree_app) as session:
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        user_service.create_user(
            session, "pcn@example.nhs.uk", "PCN", PASSWORD, "pcn_manager", orgs["U00001"]
        )
        app_service.publish(session, load_definition(IIF_DIR), [orgs["QWE"]], actor=None)
        year = json.loads((IIF_DIR / "data" / "2025-26.json").read_text())
        load_year_set(session, "iif_tracker", year, source="2025-26.json")
    return committed_tree_app


def test_confirmed_extract_is_imported_in_the_background(live: Flask) -> None:
    client = live.test_client()
    signed_in = client.post(
        "/auth/login", data={"email": "pcn@example.nhs.uk", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    preview = upload(client, EXTRACT, period="2025-06").get_data(as_text=True)
    token = TOKEN.search(preview)
    assert token is not None, preview
    started = client.post("/apps/iif_tracker/import", data={"token": token[1]})
    assert started.status_code == 303
    page = started.headers["Location"]
    deadline = time.monotonic() + 60
    snapshot: dict[str, Any] = {}
    while time.monotonic() < deadline and not snapshot.get("finished"):
        snapshot = client.get(page + "/progress").get_json()
        time.sleep(0.05)
    assert snapshot["state"] == "done", snapshot
    assert (snapshot["done"], snapshot["total"]) == (2, 2)
    with live.app_context(), db.transaction(live) as session:
        records = session.scalars(select(Record).order_by(Record.id)).all()
        assert [(r.organisation.ods, r.period, r.status) for r in records] == [
            ("A00001", "2025-06", "submitted"),
            ("A00002", "2025-06", "submitted"),
        ]
        assert records[1].data == {
            "list_size": 7000,
            "indicators": {
                "CAN-04": {"numerator": 12, "denominator": 20, "exclusions": 0},
                "HI-03": {"numerator": 5, "denominator": 9},
            },
        }
    # The same extract again: nothing new to import.
    again = upload(client, EXTRACT, period="2025-06").get_data(as_text=True)
    assert "There is nothing new to import" in again and not TOKEN.search(again)
    assert "duplicate of record" in again
