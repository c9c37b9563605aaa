"""Exporting records as CSV, XLSX and JSON, repeating sections included (no database)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports.records import (
    META_COLUMNS,
    csv_file_names,
    csv_zip,
    repeat_sections,
    to_csv,
    to_json,
    to_xlsx,
)
from miniapps.core.imports.wide import read_import
from openpyxl import load_workbook

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
TRAINING = AppDefinition(raw=json.loads((EXAMPLES / "staff_training" / "app.json").read_text()))
DATA: dict[str, Any] = {
    "name": "Ann Lee",
    "role": "nurse",
    "start_date": "2025-03-31",
    "has_dbs": True,
    "dbs_number": "123456789012",
    "courses": [
        {"name": "BLS", "completed": "2025-02-01", "passed": True},
        {"name": "IG", "completed": "2025-02-03", "passed": False},
    ],
    "competencies": ["immunisation", "ecg"],
    "cpd_hours": 7.5,
}


def record(record_id: int, data: dict[str, Any], **extra: Any) -> SimpleNamespace:
    values = {
        "id": record_id,
        "app_id": "staff_training",
        "app_version": 1,
        "period": "2025-04",
        "status": "submitted",
        "version": 2,
        "data": data,
        "created_at": datetime(2025, 4, 1, 9, 30),
        "updated_at": datetime(2025, 4, 2, 10, 0, tzinfo=UTC),
        "submitted_at": datetime(2025, 4, 2, 10, 0, tzinfo=UTC),
    }
    return SimpleNamespace(**{**values, **extra})


ITEMS = [
    (record(7, DATA), "A00001", "North Surgery", "Pat Manager"),
    (record(9, {**DATA, "name": "Bob", "courses": [DATA["courses"][0]]}, status="draft"),
     "A00002", "Hill Surgery", None),
]  # fmt: skip


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_main_file_has_information_columns_then_fields() -> None:
    files = to_csv(TRAINING, ITEMS)
    assert set(files) == {"", "courses"}
    header = next(csv.reader(io.StringIO(files[""])))
    assert header[: len(META_COLUMNS)] == list(META_COLUMNS)
    assert header[len(META_COLUMNS) :] == [
        "name", "role", "start_date", "has_dbs", "dbs_number", "competencies", "cpd_hours", "notes",
    ]  # fmt: skip
    first, second = read_csv(files[""])
    assert (
        first["id"] == "7" and first["ods"] == "A00001" and first["organisation"] == "North Surgery"
    )
    assert first["app_version"] == "1" and first["period"] == "2025-04"
    assert first["submitted_by"] == "Pat Manager" and second["submitted_by"] == ""
    assert first["created_at"] == "2025-04-01T09:30:00+00:00"
    assert first["competencies"] == "immunisation; ecg" and first["has_dbs"] == "true"
    assert first["cpd_hours"] == "7.5" and first["notes"] == ""
    assert second["status"] == "draft"


def test_csv_repeating_section_is_its_own_file_keyed_by_record() -> None:
    rows = read_csv(to_csv(TRAINING, ITEMS)["courses"])
    assert [(r["record_id"], r["item"], r["name"], r["passed"]) for r in rows] == [
        ("7", "1", "BLS", "true"),
        ("7", "2", "IG", "false"),
        ("9", "1", "BLS", "true"),
    ]
    assert list(rows[0]) == ["record_id", "item", "name", "completed", "passed"]


def test_data_outside_the_definition_is_kept() -> None:
    items = [(record(1, {**DATA, "legacy": {"a": 1}}), "A00001", "North", "Pat")]
    row = read_csv(to_csv(TRAINING, items)[""])[0]
    assert json.loads(row["legacy"]) == {"a": 1}


def test_csv_zip_and_file_names() -> None:
    files = to_csv(TRAINING, ITEMS)
    assert csv_file_names("out/training.csv", files) == {
        "": "out/training.csv",
        "courses": "out/training.courses.csv",
    }
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(files, "training.csv")))
    assert sorted(archive.namelist()) == ["training.courses.csv", "training.csv"]
    main = archive.read("training.csv")
    assert main.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    assert "Ann Lee" in main.decode("utf-8-sig")


def test_xlsx_has_a_records_sheet_and_one_sheet_per_section() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(TRAINING, ITEMS)))
    assert book.sheetnames == ["records", "courses"]
    main = list(book["records"].iter_rows(values_only=True))
    header = list(main[0])
    row = dict(zip(header, main[1], strict=True))
    assert row["id"] == 7 and row["ods"] == "A00001" and row["has_dbs"] is True
    assert row["start_date"] == datetime(2025, 3, 31)  # a real date cell
    assert row["updated_at"] == datetime(2025, 4, 2, 10, 0)  # UTC, without a zone
    courses = list(book["courses"].iter_rows(values_only=True))
    assert courses[0] == ("record_id", "item", "name", "completed", "passed")
    assert courses[1:] == [
        (7, 1, "BLS", datetime(2025, 2, 1), True),
        (7, 2, "IG", datetime(2025, 2, 3), False),
        (9, 1, "BLS", datetime(2025, 2, 1), True),
    ]


def test_json_is_whole_records_with_sections_inline() -> None:
    exported = json.loads(to_json(TRAINING, ITEMS))
    assert [r["id"] for r in exported] == [7, 9]
    first = exported[0]
    assert first["data"] == DATA
    assert {k: first[k] for k in ("app", "app_version", "org", "period", "status")} == {
        "app": "staff_training",
        "app_version": 1,
        "org": "A00001",
        "period": "2025-04",
        "status": "submitted",
    }
    assert first["submitted_by"] == "Pat Manager"


def test_exported_main_csv_imports_back_apart_from_the_sections() -> None:
    """Information columns are ignored; the section lives in its own file."""
    main = to_csv(TRAINING, ITEMS[:1])[""]
    result = read_import(TRAINING, main.encode(), "export.csv")
    assert [str(p) for p in result.problems] == ["row 1: required column(s) missing: courses"]
    data = dict(DATA)
    data.pop("courses")
    assert result.rows[0].data == data and result.rows[0].ods == "A00001"


def test_no_repeat_sections_means_one_file() -> None:
    fridge = AppDefinition(
        raw={
            "id": "fridge_log",
            "title": "Fridge",
            "version": 1,
            "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
        }
    )
    assert repeat_sections(fridge) == []
    items = [(record(1, {"reading": 4.5}, period=None), "A00001", "North", None)]
    files = to_csv(fridge, items)
    assert list(files) == [""]
    assert read_csv(files[""])[0]["reading"] == "4.5"
    assert load_workbook(io.BytesIO(to_xlsx(fridge, items))).sheetnames == ["records"]


FORMULAS = {
    **DATA,
    "name": "=1+1",
    "role": "-2+3",
    "dbs_number": "+44 20",
    "notes": "@SUM(A1)",
    "cpd_hours": -1.5,  # a negative number is not text: it stays a number
    "courses": [{"name": '=HYPERLINK("x")', "completed": "2025-02-01", "passed": True}],
    "=legacy": -4,  # outside the definition: its key becomes a header
}
FORMULA_ITEMS = [(record(3, FORMULAS), "A00001", "North Surgery", "@Pat")]
NEUTRALISED = {
    "name": "'=1+1",
    "role": "'-2+3",
    "dbs_number": "'+44 20",
    "notes": "'@SUM(A1)",
    "submitted_by": "'@Pat",
}


def test_csv_answers_never_run_as_formulas() -> None:
    files = to_csv(TRAINING, FORMULA_ITEMS)
    row = read_csv(files[""])[0]
    assert {k: row[k] for k in NEUTRALISED} == NEUTRALISED
    assert row["cpd_hours"] == "-1.5" and row["'=legacy"] == "-4"
    assert read_csv(files["courses"])[0]["name"] == '\'=HYPERLINK("x")'


def test_xlsx_answers_are_text_cells_never_formulas() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(TRAINING, FORMULA_ITEMS)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert cells and all(c.data_type != "f" for c in cells)
    header, values = book["records"].iter_rows(values_only=True)
    row = dict(zip(header, values, strict=True))
    assert {k: row[k] for k in NEUTRALISED} == NEUTRALISED
    assert row["cpd_hours"] == -1.5 and row["'=legacy"] == -4
    assert row["start_date"] == datetime(2025, 3, 31)  # typed values stay typed
    courses = list(book["courses"].iter_rows(values_only=True))
    assert courses[1] == (3, 1, '\'=HYPERLINK("x")', datetime(2025, 2, 1), True)


def test_json_keeps_the_answers_exactly() -> None:
    exported = json.loads(to_json(TRAINING, FORMULA_ITEMS))[0]
    assert exported["data"] == FORMULAS and exported["submitted_by"] == "@Pat"
