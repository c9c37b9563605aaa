"""``miniapps records import`` and ``records export``."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import Record
from miniapps.services import apps as app_service
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
ROW_LINE = re.compile(r"^row \d+(, column [^:]+)?: .+$")
TRAINING_HEADER = [
    "ods", "period", "name", "role", "start_date", "has_dbs", "dbs_number",
    "courses/1/name", "courses/1/completed", "courses/1/passed",
    "courses/2/name", "courses/2/completed", "courses/2/passed",
]  # fmt: skip


@pytest.fixture
def training_app(db_session, orgs):
    raw = json.loads((EXAMPLES / "staff_training" / "app.json").read_text())
    published = app_service.publish(db_session, validate_definition(raw), [orgs["QWE"]], None)
    db_session.commit()
    return published.app


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def records(session: Any) -> list[Record]:
    return list(session.scalars(select(Record).order_by(Record.id)))


def test_import_csv_then_again_skips_duplicates(runner, db_session, fridge_app, tmp_path) -> None:
    path = write_csv(tmp_path / "log.csv", 'ods,Temperature (°C)\nA00001,4.5\nA00003,"1,5"\n')
    result = runner.invoke(args=["records", "import", "fridge_log", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["imported 2 records (0 duplicates skipped)"]
    stored = records(db_session)
    assert [(r.organisation.ods, r.data, r.status) for r in stored] == [
        ("A00001", {"reading": 4.5}, "submitted"),
        ("A00003", {"reading": 15}, "submitted"),
    ]
    again = runner.invoke(args=["records", "import", "fridge_log", str(path)])
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"row 2: duplicate of record {stored[0].id}",
        f"row 3: duplicate of record {stored[1].id}",
        "imported 0 records (2 duplicates skipped)",
    ]
    assert len(records(db_session)) == 2


def test_import_problems_exit_1_with_row_column_lines(
    runner, db_session, fridge_app, tmp_path
) -> None:
    path = write_csv(tmp_path / "log.csv", "reading,colour\n4\nwarm,red\n41\n")
    result = runner.invoke(args=["records", "import", "fridge_log", str(path), "--org", "A00001"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "row 1: unknown column(s) colour: name each column by a question's key or title (reading)",
        "row 3, column reading: Enter a number for temperature (°C)",
        "row 4, column reading: Temperature (°C) must be 40 or less",
    ]
    assert all(ROW_LINE.match(line) for line in result.stdout.splitlines())
    assert "nothing imported: 3 problem(s) in log.csv" in result.stderr
    assert records(db_session) == []


def test_import_options_and_dry_run(runner, db_session, fridge_app, tmp_path) -> None:
    path = write_csv(tmp_path / "log.csv", "reading\n4\n")
    unknown = runner.invoke(args=["records", "import", "fridge_log", str(path), "--org", "NOPE"])
    assert unknown.exit_code == 1
    assert unknown.stdout.splitlines() == ["no organisation has the ODS code NOPE"]
    periodic = runner.invoke(
        args=[
            "records",
            "import",
            "fridge_log",
            str(path),
            "--org",
            "A00001",
            "--period",
            "2025-04",
        ]
    )
    assert periodic.exit_code == 1
    assert "this app has no periods" in periodic.stdout
    dry = runner.invoke(
        args=["records", "import", "fridge_log", str(path), "--org", "A00001", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == ["would import 1 record (0 duplicates skipped)"]
    assert records(db_session) == []
    missing = runner.invoke(args=["records", "import", "no_such_app", str(path)])
    assert missing.exit_code == 1 and "no published app" in missing.stderr


def test_import_xlsx_with_repeating_section(runner, db_session, training_app, tmp_path) -> None:
    rows: list[list[Any]] = [
        TRAINING_HEADER,
        [
            *("A00001", "2025-04", "Ann", "Practice nurse", date(2025, 3, 31), "yes"),
            *("123456789012", "BLS", date(2025, 2, 1), True, "IG", "03/02/2025", "no"),
        ],
        [
            *("A00002", "2025-04", "Bob", "gp", "2025-01-06", False, None),
            *("BLS", "2025-02-01", "y", None, None, None),
        ],
    ]
    path = write_xlsx(tmp_path / "training.xlsx", rows)
    result = runner.invoke(args=["records", "import", "staff_training", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["imported 2 records (0 duplicates skipped)"]
    ann, bob = records(db_session)
    assert ann.period == "2025-04" and ann.data["role"] == "nurse"
    assert ann.data["courses"] == [
        {"name": "BLS", "completed": "2025-02-01", "passed": True},
        {"name": "IG", "completed": "2025-02-03", "passed": False},
    ]
    assert bob.data["courses"] == [{"name": "BLS", "completed": "2025-02-01", "passed": True}]
    assert bob.data["has_dbs"] is False


def test_xlsx_problems_name_the_spreadsheet_row(runner, db_session, training_app, tmp_path) -> None:
    rows: list[list[Any]] = [
        TRAINING_HEADER,
        ["A00001", "2025-04", "Ann", "gp", "2025-01-06", "yes", None, "BLS", None, "yes"],
    ]
    path = write_xlsx(tmp_path / "training.xlsx", rows)
    result = runner.invoke(args=["records", "import", "staff_training", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "row 2, column dbs_number: Enter DBS certificate number",
        "row 2, column courses/1/completed: Course 1: enter date completed",
    ]
    assert records(db_session) == []


def test_export_each_format(runner, db_session, fridge_app, tmp_path) -> None:
    source = write_csv(tmp_path / "in.csv", "ods,reading\nA00001,4.5\nA00003,6\n")
    assert runner.invoke(args=["records", "import", "fridge_log", str(source)]).exit_code == 0
    as_csv = runner.invoke(args=["records", "export", "fridge_log", "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["ods"], r["reading"], r["status"], r["app_version"]) for r in rows] == [
        ("A00001", "4.5", "submitted", "1"),
        ("A00003", "6", "submitted", "1"),
    ]
    only = runner.invoke(
        args=["records", "export", "fridge_log", "--format", "json", "--org", "U00001"]
    )
    assert [r["org"] for r in json.loads(only.stdout)] == ["A00001"]
    out = tmp_path / "fridge.xlsx"
    as_xlsx = runner.invoke(
        args=["records", "export", "fridge_log", "--format", "xlsx", "--out", str(out)]
    )
    assert as_xlsx.exit_code == 0, as_xlsx.output
    sheet = list(load_workbook(out)["records"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("id", "app_version", "ods") and len(sheet) == 3
    no_out = runner.invoke(args=["records", "export", "fridge_log", "--format", "xlsx"])
    assert no_out.exit_code == 2 and "--out" in no_out.output


def test_export_staff_training_keeps_repeating_sections(
    runner, db_session, training_app, tmp_path
) -> None:
    rows: list[list[Any]] = [
        TRAINING_HEADER,
        [
            *("A00001", "2025-04", "Ann", "gp", "2025-03-31", "no", None),
            *("BLS", "2025-02-01", "yes", "IG", "2025-02-03", "no"),
        ],
    ]
    source = write_xlsx(tmp_path / "in.xlsx", rows)
    assert runner.invoke(args=["records", "import", "staff_training", str(source)]).exit_code == 0
    (record,) = records(db_session)

    out = tmp_path / "training.csv"
    result = runner.invoke(
        args=["records", "export", "staff_training", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    main = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert main[0]["name"] == "Ann" and main[0]["period"] == "2025-04" and "courses" not in main[0]
    courses = list(csv.DictReader(io.StringIO((tmp_path / "training.courses.csv").read_text())))
    assert [(c["record_id"], c["item"], c["name"], c["passed"]) for c in courses] == [
        (str(record.id), "1", "BLS", "true"),
        (str(record.id), "2", "IG", "false"),
    ]
    stdout_csv = runner.invoke(args=["records", "export", "staff_training", "--format", "csv"])
    assert stdout_csv.exit_code == 2 and "repeating sections (courses)" in stdout_csv.output

    book_path = tmp_path / "training.xlsx"
    runner.invoke(
        args=["records", "export", "staff_training", "--format", "xlsx", "--out", str(book_path)]
    )
    book = load_workbook(book_path)
    assert book.sheetnames == ["records", "courses"]
    assert [r[:3] for r in book["courses"].iter_rows(min_row=2, values_only=True)] == [
        (record.id, 1, "BLS"),
        (record.id, 2, "IG"),
    ]

    as_json = runner.invoke(args=["records", "export", "staff_training", "--format", "json"])
    (exported,) = json.loads(as_json.stdout)
    assert exported["data"]["courses"] == record.data["courses"]
    assert len(exported["data"]["courses"]) == 2
