"""Uploads that must not take the service down or leak (issue 15, faults 1, 4, 9, 14).

- An XLSX whose ``<dimension>`` declares 16,384 columns (or a million rows) is read within
  bounded memory, and refused with a message naming the limit where it holds values
  beyond it; a zip bomb is refused before it is unpacked. The Import page and
  ``miniapps records import`` both read through the same reader.
- A file is served only to those who may see a record citing it (the record page's
  rule), else only to its uploader; always as a download, ``nosniff``, with a safe type.
- A refused edit stores no file; a rolled-back form leaves none; an over-long content
  type is stored as ``application/octet-stream`` instead of a 500.
"""

from __future__ import annotations

import io
import os
import re
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.imports.cells import CellProblem, read_table
from miniapps.models import Attachment, Organisation, Record, User
from miniapps.models.base import utcnow
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.publishing import publish_app

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
EVIDENCE_APP: dict[str, Any] = {
    "id": "evidence_log",
    "title": "Evidence log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["note"],
        "properties": {
            "note": {"type": "string", "title": "Note"},
            "evidence": {"type": "string", "title": "Evidence"},
        },
    },
    "ui": {"fields": {"/evidence": {"widget": "file"}}},
}


def workbook(cells: dict[str, Any], dimension: str | None = None) -> bytes:
    """An XLSX written by openpyxl, its sheet's ``<dimension>`` then set to ``dimension``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    written = io.BytesIO()
    book.save(written)
    if dimension is None:
        return written.getvalue()
    return _patched(written.getvalue(), dimension)


def _patched(content: bytes, dimension: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data, found = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
                assert found == 1
            target.writestr(info, data)
    return out.getvalue()


def zip_bomb(unpacked: int) -> bytes:
    """A workbook whose sheet unpacks to ``unpacked`` bytes (whitespace) but zips small."""
    content = workbook({"A1": "reading", "A2": 4})
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != SHEET:
                target.writestr(info.filename, data)
                continue
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(data.replace(b"</worksheet>", b""))
                chunk = b" " * MB
                for _ in range(unpacked // MB):
                    sheet.write(chunk)
                sheet.write(b"</worksheet>")
    return out.getvalue()


def peak_bytes(work: Callable[[], Any]) -> tuple[Any, int]:
    """What ``work`` returns, and the most memory Python held for it meanwhile."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refusal(content: bytes, filename: str = "bomb.xlsx") -> tuple[str, int]:
    def read() -> str:
        with pytest.raises(CellProblem) as refused:
            read_table(content, filename)
        return str(refused.value)

    message, peak = peak_bytes(read)
    return str(message), peak


# --- fault 1: the XLSX memory bomb --------------------------------------------------------


def test_a_declared_dimension_of_16384_columns_is_ignored(
    app: Flask, client: FlaskClient, users: dict[str, User], fridge_app: Any, login: Any
) -> None:
    """The reproduction: 4.9 KB, ``A1:XFD8000``, one value at A8000, on the Import page."""
    bomb = workbook({"A1": "reading", "A8000": 5}, dimension="A1:XFD8000")
    assert len(bomb) < 10_000
    login(users["practice_manager"])
    data = {"file": (io.BytesIO(bomb), "bomb.xlsx"), "org": "A00001"}
    response, peak = peak_bytes(lambda: client.post("/apps/fridge_log/import", data=data))
    assert peak < 50 * MB, f"{peak / MB:.0f} MB (was 1,050 MB)"
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "1 record will be imported" in html


@pytest.mark.parametrize(
    ("cells", "dimension", "expected"),
    [
        (
            {"A1": "reading", "A1048576": 5},
            "A1:XFD1048576",
            "row 1048576: an import reads at most 10,000 rows below the header",
        ),
        (
            {"A1": "reading", "XFD2": 5},
            "A1:XFD2",
            "row 2, column XFD: an import reads at most 1,000 columns",
        ),
    ],
    ids=["a million rows", "16384 columns"],
)
def test_values_beyond_the_limits_are_refused_while_reading(
    cells: dict[str, Any], dimension: str, expected: str
) -> None:
    message, peak = refusal(workbook(cells, dimension))
    assert message.startswith(expected), message
    assert peak < 50 * MB


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = zip_bomb(60 * MB)
    assert len(bomb) < 1 * MB
    message, peak = refusal(bomb)
    assert message.startswith("the workbook unpacks to more than 50 MB"), message
    assert peak < 10 * MB


def test_a_csv_line_of_a_million_commas_is_refused() -> None:
    message, peak = refusal(b"reading\n4" + b"," * 1_000_000 + b"\n", "wide.csv")
    assert message.startswith("line 2: an import reads at most 1,000 columns"), message
    assert peak < 50 * MB


def test_the_command_line_import_reads_through_the_same_reader(
    runner: Any, fridge_app: Any, orgs: dict[str, Organisation], tmp_path: Path
) -> None:
    """The command line has limits of its own (national files: IMPORT_CLI_MAX_ROWS), read
    by the same streaming reader: a declared million rows costs nothing, a real row past
    the limit is refused at its number."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook({"A1": "reading", "A1048576": 5}, dimension="A1:XFD1048576"))
    command = ["records", "import", "fridge_log", str(path), "--org", "A00001"]
    result = runner.invoke(args=[*command, "--max-rows", "10000"])
    assert result.exit_code == 1
    assert "row 1048576: an import reads at most 10,000 rows below the header" in result.output
    result = runner.invoke(args=command)  # within IMPORT_CLI_MAX_ROWS: the one real row
    assert result.exit_code == 0, result.output
    assert "imported 1 record" in result.output


def test_a_workbook_within_the_limits_reads_as_before() -> None:
    content = workbook({"A1": "reading", "B1": "note", "A2": 4.5, "B3": "warm", "A5": True})
    rows = read_table(content, "ok.xlsx")
    assert rows == [(1, ["reading", "note"]), (2, [4.5]), (3, [None, "warm"]), (5, [True])]


# --- faults 4, 9 and 14: attachments --------------------------------------------------------


@pytest.fixture
def uploads(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOADS_DIR", str(folder))
    yield folder


@pytest.fixture
def evidence_app(db_session: Session, orgs: dict[str, Organisation]) -> Any:
    return publish_app(db_session, EVIDENCE_APP, [orgs["QWE"]])


def post_record(
    client: FlaskClient,
    content: bytes = b"%PDF-1.4 minutes",
    *,
    name: str = "minutes.pdf",
    content_type: str = "application/pdf",
    submit: bool = False,
    note: str = "Fire drill",
) -> Any:
    data: dict[str, Any] = {
        "note": note,
        "evidence": (io.BytesIO(content), name, content_type),
        "org": "A00001",
    }
    if submit:
        data["submit"] = "1"
    return client.post("/apps/evidence_log/new", data=data)


def download(client: FlaskClient, url: str) -> Any:
    """The response to ``url``, read and closed (a file is streamed)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def only_record(db_session: Session) -> Record:
    return db_session.scalars(select(Record).where(Record.app_id == "evidence_log")).one()


def stored_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_an_attachment_of_a_draft_is_404_to_those_who_cannot_see_the_draft(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    login(users["practice_manager"])
    assert post_record(client).status_code == 302
    draft = only_record(db_session)
    assert draft.status == "draft"
    url = f"/apps/evidence_log/attachments/{draft.data['evidence']}"
    mine = download(client, url)
    assert mine.status_code == 200 and mine.data == b"%PDF-1.4 minutes"
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert mine.headers["Content-Disposition"].startswith("attachment;")
    assert mine.headers["Content-Type"] == "application/pdf"
    login(users["icb_viewer"])  # the reproduction: record page 404, attachment URL 200
    assert client.get(f"/apps/evidence_log/records/{draft.id}").status_code == 404
    assert download(client, url).status_code == 404
    for role in users:  # the file follows the record page, role by role
        login(users[role])
        page = client.get(f"/apps/evidence_log/records/{draft.id}").status_code
        assert download(client, url).status_code == page, role


def test_a_submitted_record_s_file_is_served_to_its_readers(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    login(users["practice_manager"])
    assert post_record(client, submit=True).status_code == 302
    record = only_record(db_session)
    url = f"/apps/evidence_log/attachments/{record.data['evidence']}"
    login(users["icb_viewer"])
    assert client.get(f"/apps/evidence_log/records/{record.id}").status_code == 200
    assert download(client, url).status_code == 200
    login(users["practice_manager_2"])
    assert download(client, url).status_code == 404


@pytest.mark.parametrize(
    ("name", "declared", "served"),
    [
        ("page.html", "text/html", "application/octet-stream"),
        ("logo.svg", "image/svg+xml", "application/octet-stream"),
        ("scan.png", "image/png", "image/png"),
        ("long.bin", "application/" + "x" * 200, "application/octet-stream"),
    ],
)
def test_files_are_served_with_a_safe_content_type(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
    name: str,
    declared: str,
    served: str,
) -> None:
    login(users["practice_manager"])
    answer = post_record(client, b"<script>alert(1)</script>", name=name, content_type=declared)
    assert answer.status_code == 302  # an over-long type was a 500 on PostgreSQL
    attachment = db_session.get_one(Attachment, only_record(db_session).data["evidence"])
    assert len(attachment.content_type) <= 120
    got = download(client, f"/apps/evidence_log/attachments/{attachment.id}")
    assert got.status_code == 200
    assert got.headers["Content-Type"].split(";")[0] == served
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment;")


def test_a_file_on_no_record_is_served_to_its_uploader_only(
    client: FlaskClient,
    db_session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    content = b"loose"
    attachment = Attachment(
        id=str(uuid.uuid4()),
        app_id="evidence_log",
        organisation_id=orgs["A00001"].id,
        field_pointer="/evidence",
        filename="loose.txt",
        content_type="text/plain",
        size=len(content),
        sha256="ab" * 32,
        uploaded_by_id=users["practice_staff"].id,
    )
    db_session.add(attachment)
    db_session.commit()
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / attachment.sha256).write_bytes(content)
    url = f"/apps/evidence_log/attachments/{attachment.id}"
    login(users["practice_staff"])
    assert download(client, url).status_code == 200
    for other in ("practice_manager", "icb_viewer", "platform_admin"):
        login(users[other])
        assert download(client, url).status_code == 404, other


def test_a_refused_edit_stores_no_file(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    login(users["practice_manager"])
    assert post_record(client, submit=True).status_code == 302
    record = only_record(db_session)
    before = (stored_files(uploads), db_session.scalar(select(func.count(Attachment.id))))
    login(users["icb_viewer"])  # reads the submitted record, may not write it
    edit = client.post(
        f"/apps/evidence_log/records/{record.id}/edit",
        data={
            "note": "changed",
            "version": str(record.version),
            "evidence": (io.BytesIO(b"planted"), "planted.pdf", "application/pdf"),
        },
    )
    assert edit.status_code == 403
    assert (stored_files(uploads), db_session.scalar(select(func.count(Attachment.id)))) == before


def test_a_form_that_is_not_saved_leaves_no_file_and_a_saved_one_does(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    login(users["practice_manager"])
    refused = post_record(client, b"%PDF-1.4 first", note="", submit=True)  # note is required
    assert refused.status_code == 400
    assert stored_files(uploads) == []
    assert db_session.scalar(select(func.count(Attachment.id))) == 0
    assert post_record(client, b"%PDF-1.4 second", submit=True).status_code == 302
    attachment = db_session.scalars(select(Attachment)).one()
    assert stored_files(uploads) == [attachment.sha256]  # placed at commit, nothing incoming


def test_prune_files_removes_what_no_record_holds(
    runner: Any,
    client: FlaskClient,
    db_session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    evidence_app: Any,
    uploads: Path,
    login: Any,
) -> None:
    login(users["practice_manager"])
    assert post_record(client, b"%PDF-1.4 kept", submit=True).status_code == 302
    kept = db_session.scalars(select(Attachment)).one()
    old = utcnow() - timedelta(days=2)
    loose = Attachment(
        id=str(uuid.uuid4()),
        app_id="evidence_log",
        organisation_id=orgs["A00001"].id,
        field_pointer="/evidence",
        filename="loose.pdf",
        content_type="application/pdf",
        size=5,
        sha256="cd" * 32,
        uploaded_by_id=users["practice_manager"].id,
        uploaded_at=old,
    )
    kept.uploaded_at = old
    db_session.add(loose)
    db_session.commit()
    (uploads / loose.sha256).write_bytes(b"loose")
    (uploads / "incoming").mkdir(exist_ok=True)
    unfinished = uploads / "incoming" / "ef.1"
    unfinished.write_bytes(b"crashed")
    stamp = old.timestamp()
    for path in (uploads / loose.sha256, unfinished, uploads / kept.sha256):
        os.utime(path, (stamp, stamp))
    result = runner.invoke(args=["records", "prune-files"])
    assert result.exit_code == 0, result.output
    assert (
        "1 attachment(s) on no record, 1 stored file(s) and 1 unfinished upload(s)" in result.output
    )
    assert stored_files(uploads) == [kept.sha256]
    db_session.expire_all()
    assert [a.id for a in db_session.scalars(select(Attachment))] == [kept.id]


def test_a_damaged_workbook_is_a_message_never_a_crash() -> None:
    """Bytes changed at random in a real workbook (a corrupt deflate stream, an unknown
    compression method, a truncated part ...) are refused by the import reader with a
    message (the Import page, the background job and the CLI all read through it)."""
    import random

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ods", "reading", "note"])
    for n in range(30):
        sheet.append(["A00001", n / 10, f"note {n}"])
    buffer = io.BytesIO()
    book.save(buffer)
    good = buffer.getvalue()
    chance = random.Random(7)
    refused = 0
    for _ in range(300):
        data = bytearray(good)
        for _ in range(chance.randint(1, 5)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        try:
            read_table(bytes(data), "readings.xlsx")
        except CellProblem as exc:
            assert str(exc)
            refused += 1
    assert refused > 0
