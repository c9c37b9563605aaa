"""Reading CSV/XLSX files into checked record data (no database)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.imports.cells import CellProblem
from miniapps.core.imports.wide import RowProblem, read_import, read_table
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def example(name: str) -> AppDefinition:
    return AppDefinition(raw=json.loads((EXAMPLES / name / "app.json").read_text()))


FRIDGE = example("fridge_log")
TRAINING = example("staff_training")
NESTED = AppDefinition(
    raw={
        "id": "visits",
        "title": "Visits",
        "version": 1,
        "schema": {
            "type": "object",
            "required": ["site"],
            "properties": {
                "site": {
                    "type": "object",
                    "title": "Site",
                    "required": ["postcode"],
                    "properties": {
                        "postcode": {"type": "string", "title": "Postcode"},
                        "rooms": {"type": "integer", "title": "Rooms"},
                    },
                },
                "tags": {"type": "array", "title": "Tags", "items": {"type": "string"}},
                "seen_at": {"type": "string", "format": "date-time", "title": "Seen at"},
            },
        },
    }
)


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lines(result: Any) -> list[str]:
    return [str(p) for p in result.problems]


TRAINING_HEADER = (
    "ods,period,Full name,role,start_date,has_dbs,dbs_number,"
    "courses/1/name,courses/1/completed,courses/1/passed,"
    "courses.2.name,courses.2.completed,courses.2.passed,competencies,cpd_hours"
)


def test_row_problem_format() -> None:
    assert (
        str(RowProblem(4, "reading", "Enter a number")) == "row 4, column reading: Enter a number"
    )
    assert str(RowProblem(3, None, "duplicate of row 2")) == "row 3: duplicate of row 2"
    assert str(RowProblem(None, None, "the file is empty")) == "the file is empty"


def test_csv_with_bom_titles_and_org_option() -> None:
    content = '\ufeffTemperature (°C)\n4.5\n\n" 1,250 "\n'.encode()
    result = read_import(FRIDGE, content, "log.csv", org="a00001")
    assert [(r.row, r.ods, r.data) for r in result.rows] == [
        (2, "A00001", {"reading": 4.5}),
        (4, "A00001", {"reading": 1250}),
    ]
    assert lines(result) == ["row 4, column Temperature (°C): Temperature (°C) must be 40 or less"]
    assert result.columns[0].target == "/reading"


def test_not_utf8_is_one_clear_error() -> None:
    result = read_import(FRIDGE, "reading\n5\n".encode("utf-16"), "log.csv", org="A00001")
    assert lines(result) == ["the file is not UTF-8 text; save it as CSV UTF-8"]
    assert result.rows == []
    cp1252 = "reading,note\n5,caf\xe9\n".encode("cp1252")
    assert lines(read_import(FRIDGE, cp1252, "x.csv")) == [
        "the file is not UTF-8 text; save it as CSV UTF-8"
    ]


def test_every_kind_of_cell_converts() -> None:
    text = (
        TRAINING_HEADER + "\n"
        "A00001,2025-04,Ann Lee,Practice nurse,31/03/2025,Yes,123456789012,"
        'BLS,01/02/2025,y,IG,2025-02-03,no,immunisation; ECG,"1,2"\n'
    )
    text = text.replace("ECG", "ecg")
    result = read_import(TRAINING, csv_bytes(text), "t.csv")
    assert lines(result) == []
    assert result.rows[0].period == "2025-04"
    assert result.rows[0].data == {
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
        "cpd_hours": 12,
    }


def test_bad_cells_are_reported_by_spreadsheet_row_and_column() -> None:
    text = (
        TRAINING_HEADER + "\n"
        "A00001,2025-04,Ann,gp,2025-01-01,no,,BLS,2025-01-02,yes,,,,,\n"
        ",2025-13,,Plumber,31/02/2025,maybe,,BLS,,yes,,,,,abc\n"
    )
    result = read_import(TRAINING, csv_bytes(text), "t.csv")
    assert lines(result) == [
        "row 3, column ods: enter the organisation's ODS code",
        "row 3, column period: enter a monthly period like 2025-04",
        "row 3, column Full name: Enter full name",
        "row 3, column role: Role must be one of: GP, Practice nurse, Healthcare assistant, "
        "Clinical pharmacist, Administration or reception",
        "row 3, column start_date: Enter start date as a real date, like 31/03/2025 or 2025-03-31",
        "row 3, column has_dbs: Enter yes or no for has an enhanced DBS check",
        "row 3, column courses/1/completed: Course 1: enter date completed",
        "row 3, column cpd_hours: Enter a number for CPD hours this year",
    ]


def test_gaps_in_item_numbers_close_up_but_problems_name_the_file_column() -> None:
    header = "name,role,start_date,has_dbs,courses/1/name,courses/3/name,courses/3/passed"
    result = read_import(
        TRAINING,
        csv_bytes(f"{header}\nAnn,gp,2025-01-01,no,,IG,yes\n"),
        "t.csv",
        org="A00001",
        period="2025-04",
    )
    assert result.rows[0].data["courses"] == [{"name": "IG", "passed": True}]
    assert lines(result) == ["row 2, column courses/3/completed: Course 1: enter date completed"]


def test_hidden_answers_are_dropped_like_a_form_submit() -> None:
    header = "name,role,start_date,has_dbs,dbs_number,courses"
    courses = json.dumps([{"name": "BLS", "completed": "2025-01-02", "passed": True}])
    row = f'Ann,gp,2025-01-01,no,123,"{courses.replace(chr(34), chr(34) * 2)}"'
    result = read_import(
        TRAINING, csv_bytes(f"{header}\n{row}\n"), "t.csv", org="A00001", period="2025-04"
    )
    assert lines(result) == []
    assert "dbs_number" not in result.rows[0].data
    assert result.rows[0].data["courses"][0]["name"] == "BLS"


def test_unknown_and_missing_columns_are_reported_once_at_row_1() -> None:
    text = "name,colour,size\nAnn,red,3\nBob,blue,4\n"
    result = read_import(TRAINING, csv_bytes(text), "t.csv")
    assert lines(result) == [
        "row 1: unknown column(s) colour, size: name each column by a question's key or title "
        "(name, role, start_date, has_dbs, dbs_number, courses, competencies, cpd_hours, notes)",
        "row 1: add a period column or choose the period (like 2025-04)",
        "row 1: add an ods column or choose the organisation to import for",
        "row 1: required column(s) missing: courses, has_dbs, role, start_date",
    ]


def test_nested_object_columns_and_lists() -> None:
    text = "site/postcode,Site.Rooms,tags,seen_at\nLS1 1AA,3,a; b,31/03/2025 14:30\n,x,,\n"
    result = read_import(NESTED, csv_bytes(text), "v.csv", org="A00001")
    assert result.rows[0].data == {
        "site": {"postcode": "LS1 1AA", "rooms": 3},
        "tags": ["a", "b"],
        "seen_at": "2025-03-31T14:30:00+01:00",
    }
    assert lines(result) == [
        "row 3, column site/postcode: Site: enter postcode",
        "row 3, column Site.Rooms: Site: rooms must be a whole number",
    ]


def test_export_only_columns_are_ignored_with_a_warning() -> None:
    text = "id,ods,organisation,status,reading\n7,A00001,North Surgery,submitted,3\n"
    result = read_import(FRIDGE, csv_bytes(text), "export.csv")
    assert lines(result) == []
    assert result.rows[0].data == {"reading": 3}
    assert result.warnings == [
        "columns not imported (exports write them): id, organisation, status"
    ]


def test_period_on_an_app_without_periods_is_a_problem() -> None:
    result = read_import(FRIDGE, csv_bytes("reading\n3\n"), "x.csv", org="A1", period="2025-04")
    assert lines(result) == ["period 2025-04: this app has no periods; leave the period out"]


def test_values_without_a_column_name_are_reported() -> None:
    result = read_import(FRIDGE, csv_bytes("reading\n1,000\n"), "x.csv", org="A00001")
    assert lines(result) == ["row 2, column B: this value is in a column with no name in row 1"]


def test_two_columns_for_one_question() -> None:
    result = read_import(FRIDGE, csv_bytes("reading,Temperature (°C)\n1,2\n"), "x.csv", org="A1")
    assert lines(result)[0] == (
        "row 1, column Temperature (°C): this column and column reading fill the same question"
    )


def test_xlsx_typed_values() -> None:
    header = ["ODS", "Period", "name", "role", "start_date", "has_dbs", "dbs_number"]
    header += ["courses/1/name", "courses/1/completed", "courses/1/passed", "cpd_hours"]
    first = ["A00001", datetime(2025, 4, 1), "Ann", "GP", date(2025, 3, 31), True, 123456789012]
    first += ["BLS", datetime(2025, 2, 1), False, 7.5]
    third = ["A00002", "2025-05", "Bob", "admin", "2025-03-01", "no", None, "IG", "2025-02-01"]
    third += ["yes", "x"]
    content = xlsx_bytes([header, first, [None] * 11, third])
    result = read_import(TRAINING, content, "training.xlsx")
    assert [r.row for r in result.rows] == [2, 4]
    row = result.rows[0]
    assert (row.ods, row.period) == ("A00001", "2025-04")
    assert row.data == {
        "name": "Ann",
        "role": "gp",
        "start_date": "2025-03-31",
        "has_dbs": True,
        "dbs_number": "123456789012",
        "courses": [{"name": "BLS", "completed": "2025-02-01", "passed": False}],
        "cpd_hours": 7.5,
    }
    assert lines(result) == ["row 4, column cpd_hours: Enter a number for CPD hours this year"]


def test_files_that_are_not_spreadsheets() -> None:
    with pytest.raises(CellProblem, match="not an Excel workbook"):
        read_table(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(CellProblem, match=r"\.xls\) cannot be read"):
        read_table(b"\xd0\xcf", "old.xls")
    assert lines(read_import(FRIDGE, b"", "x.csv")) == [
        "the file is empty: row 1 must name the columns"
    ]
    assert lines(read_import(FRIDGE, b"reading\n", "x.csv", org="A1")) == [
        "the file has no rows below the header"
    ]
