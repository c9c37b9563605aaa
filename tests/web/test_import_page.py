"""Importing from the browser (upload → preview → confirm) and downloading exports."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.models import Record
from miniapps.services import apps as app_service
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import SystemAccess
from openpyxl import load_workbook
from sqlalchemy import func, select

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def imports_dir(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORTS_DIR", str(folder))
    return folder


def upload(client: Any, app_id: str, text: str | bytes, name: str = "log.csv", **form: str) -> Any:
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post(f"/apps/{app_id}/import", data=data, content_type="multipart/form-data")


def count(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(Record))


def test_upload_and_preview_keep_the_file_for_confirmation(
    client, db_session, users, fridge_app, login, imports_dir
) -> None:
    login(users["practice_manager"])
    form = client.get("/apps/fridge_log/import")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert 'type="file"' in page and "North Surgery (A00001)" in page
    assert "How to lay out the file" in page and "<code>reading</code>" in page
    preview = upload(client, "fridge_log", "Temperature (°C)\n4.5\n5\n")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "2 records will be imported and submitted" in html
    assert "How the columns are read" in html and "The first rows of the file" in html
    assert count(db_session) == 0  # a dry run so far
    token = TOKEN.search(html)
    assert token is not None
    kept = sorted(p.name for p in imports_dir.iterdir())
    assert kept == [f"{token[1]}.json", f"{token[1]}.upload"]
    note = json.loads((imports_dir / f"{token[1]}.json").read_text())
    assert note == {
        "user_id": users["practice_manager"].id,
        "app_id": "fridge_log",
        "filename": "log.csv",
        "org": "A00001",
        "period": None,
        "rows": 2,
        "limits": asdict(ReadLimits()),  # the import runs within the limits checked with
    }
    # Confirming runs the import in the background: tests/web/test_import_jobs.py.


def test_bad_file_shows_every_problem_and_writes_nothing(
    client, db_session, users, fridge_app, login, imports_dir
) -> None:
    login(users["practice_manager"])
    response = upload(client, "fridge_log", "ods,reading\nA00001,4\nA00001,hot\nA00002,3\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nhsuk-error-summary" in html and "Nothing was imported" in html
    assert "row 3, column reading: Enter a number for temperature (°C)" in html
    assert "row 4, column ods: you may not add records for Hill Surgery (A00002)" in html
    assert not TOKEN.search(html)
    assert not imports_dir.exists() or list(imports_dir.iterdir()) == []  # nothing kept
    latin1 = upload(client, "fridge_log", "reading\n4\n".encode("utf-16"))
    assert "the file is not UTF-8 text; save it as CSV UTF-8" in latin1.get_data(as_text=True)
    assert count(db_session) == 0
    empty = client.post("/apps/fridge_log/import", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose a CSV or XLSX file" in empty.get_data(as_text=True)


def test_kept_file_is_checked_against_its_owner(
    client, db_session, users, fridge_app, login
) -> None:
    login(users["practice_manager"])
    token = TOKEN.search(upload(client, "fridge_log", "reading\n4\n").get_data(as_text=True))
    assert token is not None
    assert (
        client.post("/apps/fridge_log/import", data={"token": "../../secret_key"}).status_code
        == 400
    )
    assert client.post("/apps/fridge_log/import", data={"token": "x" * 32}).status_code == 400
    client.post("/auth/logout")
    login(users["practice_staff"])
    assert client.post("/apps/fridge_log/import", data={"token": token[1]}).status_code == 403
    assert count(db_session) == 0


def test_readers_cannot_import(client, users, fridge_app, login) -> None:
    login(users["icb_viewer"])
    assert client.get("/apps/fridge_log/import").status_code == 403


def test_export_holds_only_what_the_user_may_see(
    client, db_session, users, fridge_app, login
) -> None:
    text = b"ods,reading\nA00001,4\nA00002,5\nA00003,6\n"
    import_records(db_session, SystemAccess(), fridge_app, text, "x.csv", dry_run=False)
    db_session.commit()
    login(users["practice_manager"])
    as_csv = client.get("/apps/fridge_log/export?format=csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data().decode("utf-8-sig"))))
    assert [(r["ods"], r["reading"]) for r in rows] == [("A00001", "4")]
    as_json = json.loads(client.get("/apps/fridge_log/export?format=json").get_data())
    assert [r["org"] for r in as_json] == ["A00001"]
    as_xlsx = client.get("/apps/fridge_log/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data()))["records"]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["A00001"]
    assert client.get("/apps/fridge_log/export?format=pdf").status_code == 400
    client.post("/auth/logout")
    login(users["pcn_manager"])
    pcn = json.loads(client.get("/apps/fridge_log/export?format=json&org=A00002").get_data())
    assert [r["org"] for r in pcn] == ["A00002"]


def test_csv_export_with_repeating_sections_is_a_zip(
    client, db_session, users, orgs, login
) -> None:
    raw = json.loads((EXAMPLES / "staff_training" / "app.json").read_text())
    app = app_service.publish(db_session, validate_definition(raw), [orgs["QWE"]], None).app
    text = (
        "ods,period,name,role,start_date,has_dbs,courses/1/name,courses/1/completed,"
        "courses/1/passed\nA00001,2025-04,Ann,gp,2025-01-06,no,BLS,2025-02-01,yes\n"
    )
    import_records(db_session, SystemAccess(), app, text.encode(), "t.csv", dry_run=False)
    db_session.commit()
    login(users["practice_manager"])
    response = client.get("/apps/staff_training/export?format=csv")
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = sorted(archive.namelist())
    assert len(names) == 2 and names[0].endswith(".courses.csv")
    courses = archive.read(names[0]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(courses)))
    assert [(r["item"], r["name"], r["completed"], r["passed"]) for r in rows] == [
        ("1", "BLS", "2025-02-01", "true")
    ]
