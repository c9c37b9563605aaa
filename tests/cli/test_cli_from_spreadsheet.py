"""``miniapps apps from-spreadsheet``: a spreadsheet of examples becomes an app whose
definition ``apps validate`` accepts and into which the same examples import."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, Record
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import SystemAccess
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

TRAINING: list[list[Any]] = [
    ["ODS code", "Full name", "Role", "Start date", "Has DBS?", "Hours", "Score", "Notes"],
    ["A00001", "Ann Smith", "GP", datetime(2024, 4, 1), True, 3, 4.5, None],
    ["A00001", "Bob Jones", "Practice nurse", datetime(2024, 5, 2), False, 5, 3, "two\nlines"],
    ["A00003", "Cy Lee", "GP", date(2024, 6, 3), True, 1, 2.25, None],
    ["A00003", "Di Patel", "Practice nurse", datetime(2024, 7, 4), True, 2, 1, "Locum"],
]
TRAINING_CSV = (
    "Full name,Role,Start date,Has DBS?,Hours,Score,Notes\n"
    "Ann Smith,GP,01/04/2024,yes,3,4.5,\n"
    'Bob Jones,Practice nurse,2024-05-02,no,5,"1,200","two\nlines"\n'
    "Cy Lee,GP,03/06/2024,Y,1,2.25,\n"
)


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_becomes_a_valid_app_and_its_examples_import(
    runner: Any, db_session: Any, orgs: Any, tmp_path: Path
) -> None:
    source = write_xlsx(tmp_path / "staff training.xlsx", TRAINING)
    out = tmp_path / "apps" / "staff_training"
    made = runner.invoke(
        args=["apps", "from-spreadsheet", str(source), "--id", "staff_training", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines() == [
        "column B: full_name (text, required)",
        "column C: role (one of 2 choices, required)",
        "column D: start_date (date, required)",
        "column E: has_dbs (yes/no, required)",
        "column F: hours (whole number, required)",
        "column G: score (number, required)",
        "column H: notes (long text)",
        "column A: each row's organisation when importing (not a field)",
        f"wrote {out / 'app.json'}: 7 field(s) from 4 example row(s); "
        f"check it with `miniapps apps validate {out}`",
    ]
    raw = json.loads((out / "app.json").read_text(encoding="utf-8"))
    assert raw["title"] == "Staff training"
    validate_definition(raw)  # the real validator
    checked = runner.invoke(args=["apps", "validate", str(out)])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "ok staff_training v1\n"

    published = runner.invoke(args=["apps", "publish", str(out), "--to", "QWE"])
    assert published.exit_code == 0, published.output
    imported = runner.invoke(args=["records", "import", "staff_training", str(source)])
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.splitlines()[-1] == "imported 4 records (0 duplicates skipped)"
    stored = list(db_session.scalars(select(Record).order_by(Record.id)))
    assert [r.organisation.ods for r in stored] == ["A00001", "A00001", "A00003", "A00003"]
    assert stored[1].data == {
        "full_name": "Bob Jones",
        "role": "Practice nurse",
        "start_date": "2024-05-02",
        "has_dbs": False,
        "hours": 5,
        "score": 3,
        "notes": "two\nlines",
    }


def test_csv_examples_import_through_the_import_service(
    runner: Any, db_session: Any, orgs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "training.csv"
    source.write_text(TRAINING_CSV, encoding="utf-8")
    made = runner.invoke(
        args=["apps", "from-spreadsheet", str(source), "--id", "training", "--title", "Training"],
        catch_exceptions=False,
    )
    assert made.exit_code == 0, made.output
    # default DIR: ./ID (relative to the working directory)
    out = tmp_path / "training"
    raw = json.loads((out / "app.json").read_text(encoding="utf-8"))
    assert raw["title"] == "Training"
    assert raw["schema"]["properties"]["score"]["type"] == "number"
    assert raw["schema"]["properties"]["role"]["enum"] == ["GP", "Practice nurse"]
    published = runner.invoke(args=["apps", "publish", str(out), "--to", "QWE"])
    assert published.exit_code == 0, published.output
    app = db_session.get(App, "training")
    report = import_records(
        db_session,
        SystemAccess(),
        app,
        source.read_bytes(),
        source.name,
        org="A00002",
        dry_run=False,
    )
    assert report.ok, report.lines
    assert report.summary == "imported 3 records (0 duplicates skipped)"
    scores = [r.data["score"] for r in db_session.scalars(select(Record).order_by(Record.id))]
    assert scores == [4.5, 1200, 2.25]


def test_an_existing_app_json_is_kept_unless_force(runner: Any, tmp_path: Path) -> None:
    source = tmp_path / "log.csv"
    source.write_text("Reading\n4.5\n", encoding="utf-8")
    out = tmp_path / "log"
    out.mkdir()
    (out / "app.json").write_text("{}", encoding="utf-8")
    args = ["apps", "from-spreadsheet", str(source), "--id", "log", "--out", str(out)]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: {out / 'app.json'} exists; choose another --out or add --force to replace it\n"
    )
    assert (out / "app.json").read_text(encoding="utf-8") == "{}"
    forced = runner.invoke(args=[*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "app.json").read_text(encoding="utf-8"))["id"] == "log"
    assert [p.name for p in out.iterdir()] == ["app.json"]  # no temporary file left


NOT_A_WORKBOOK = "the file is not an Excel workbook (.xlsx) or CSV"
BAD_FILES = [
    ("empty.csv", b"", "the file is empty: put the headings in row 1"),
    (
        "blank.csv",
        b",\nann,3\n",
        "row 1 is empty: put one heading per column in row 1 (the header)",
    ),
    (
        "twice.csv",
        b"Name,Role,NAME\n",
        "column C: the heading 'NAME' repeats column A's; give each column its own heading",
    ),
    (
        "gap.csv",
        b"Name,,Role\na,b,c\n",
        "column B: the heading (row 1) is blank but rows below hold values; "
        "give the column a heading",
    ),
    ("notes.xlsx", b"not a zip", NOT_A_WORKBOOK),
    ("picture.png", b"\x89PNG\r\n", NOT_A_WORKBOOK),
    (
        "wide.csv",
        ",".join(f"c{i}" for i in range(1001)).encode(),
        "row 1, column ALM: an import reads at most 1,000 columns; delete the columns beyond that",
    ),
    (
        "tall.csv",
        b"n\n" + b"1\n" * 50_001,
        "row 50002: an import reads at most 50,000 rows below the header; "
        "split the file into smaller ones",
    ),
]


@pytest.mark.parametrize(("name", "content", "line"), BAD_FILES)
def test_bad_files_exit_1_with_precise_lines(
    runner: Any, tmp_path: Path, name: str, content: bytes, line: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out"
    result = runner.invoke(
        args=["apps", "from-spreadsheet", str(source), "--id", "x", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.splitlines() == [f"{source}: {line}"]
    assert result.stderr == f"error: {source} was not turned into an app\n"
    assert not out.exists()  # nothing half-written


def test_workbook_problems_exit_1(runner: Any, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["Name", "Hours", None, "Total"])
    sheet.append(["ann", 3, None, "=B2*2"])
    sheet.merge_cells("B1:C1")
    source = tmp_path / "bad.xlsx"
    book.save(source)
    result = runner.invoke(args=["apps", "from-spreadsheet", str(source), "--id", "x"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{source}: cell D2 holds a formula: replace formulas with their values "
        "(copy, then paste special, values)",
        f"{source}: cells B1:C1 of the header (row 1) are merged: unmerge them and give each "
        "column its own heading",
    ]


def test_bad_arguments_exit_1(runner: Any, tmp_path: Path) -> None:
    missing = runner.invoke(
        args=["apps", "from-spreadsheet", str(tmp_path / "no.csv"), "--id", "x"]
    )
    assert missing.exit_code == 1
    assert missing.stderr == f"error: {tmp_path / 'no.csv'}: no such file\n"
    source = tmp_path / "a.csv"
    source.write_text("A\n1\n", encoding="utf-8")
    bad_id = runner.invoke(args=["apps", "from-spreadsheet", str(source), "--id", "Bad-Id"])
    assert bad_id.exit_code == 1
    assert bad_id.stderr.startswith("error: the id 'Bad-Id' must be lower-case letters")
