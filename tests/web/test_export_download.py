"""The browser's export download: written to a temporary file from a cursor, then streamed
from it; authorised before anything is read; members the definition lacks still exported."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from miniapps.models import Record
from miniapps.web.apps import records_import
from openpyxl import load_workbook
from sqlalchemy import update


def _seed(db_session, orgs, app_id: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
    for ods, data in rows:
        db_session.add(
            Record(
                app_id=app_id, app_version=1, organisation=orgs[ods], data=data, status="submitted"
            )
        )
    db_session.commit()


def test_csv_download_streams_with_its_headers(
    client, db_session, users, orgs, fridge_app, login
) -> None:
    _seed(
        db_session, orgs, "fridge_log", [("A00001", {"reading": 4.5}), ("A00003", {"reading": -1})]
    )
    login(users["platform_admin"])
    response = client.get("/apps/fridge_log/export?format=csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    name = f"fridge_log-{date.today().isoformat()}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.response)
    response.close()
    assert int(response.headers["Content-Length"]) == len(body)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["ods"], r["reading"]) for r in rows] == [("A00001", "4.5"), ("A00003", "-1")]


def test_no_record_is_read_for_those_who_may_not_list_them(
    client, users, fridge_app, login, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(records_import, "RecordExport", lambda *a, **k: opened.append(a))
    assert client.get("/apps/fridge_log/export?format=csv").status_code == 302  # sign in first
    login(users["stakeholder"])
    for fmt in ("csv", "json", "xlsx"):
        assert client.get(f"/apps/fridge_log/export?format={fmt}").status_code == 404
    assert client.get("/apps/no_such_app/export?format=csv").status_code == 404
    assert opened == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_member_the_definition_lacks_gets_its_column(
    client, db_session, users, orgs, fridge_app, login, fmt: str
) -> None:
    """Read twice from the database: the first pass meets ``legacy`` in the last record."""
    _seed(db_session, orgs, "fridge_log", [("A00001", {"reading": 4}), ("A00002", {"reading": 5})])
    last = db_session.query(Record).order_by(Record.id.desc()).first()
    db_session.execute(
        update(Record).where(Record.id == last.id).values(data={"reading": 5, "legacy": "=old"})
    )
    db_session.commit()
    login(users["platform_admin"])
    body = client.get(f"/apps/fridge_log/export?format={fmt}").get_data()
    rows: list[list[Any]]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [
            list(r) for r in load_workbook(io.BytesIO(body))["records"].iter_rows(values_only=True)
        ]
    assert rows[0][-2:] == ["reading", "legacy"]
    assert [r[-1] for r in rows[1:]] == (["", "'=old"] if fmt == "csv" else [None, "'=old"])
