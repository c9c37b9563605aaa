"""A spreadsheet of examples → an app definition: names, types, required, and refusals."""

from __future__ import annotations

import io
import random
from datetime import date, datetime
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.imports.wide import read_import
from miniapps.core.studio.column_types import field_names, field_schema, snake_case
from miniapps.core.studio.spreadsheet import (
    SpreadsheetRefused,
    definition_from_spreadsheet,
    title_from_filename,
)
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet


def xlsx(rows: list[list[Any]], setup: Any = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    if setup is not None:
        setup(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(content: bytes, filename: str = "examples.csv") -> list[str]:
    with pytest.raises(SpreadsheetRefused) as caught:
        definition_from_spreadsheet(content, filename, "staff_training")
    return caught.value.lines


def test_names_are_ascii_snake_case_unique_and_valid() -> None:
    headers = ["Full name", "Temperature (°C)", "StartDate", "2nd dose", "Café", "full name", "?"]
    assert snake_case("Date of DBS check (UK)") == "date_of_dbs_check_uk"
    assert snake_case("% done") == "percent_done"
    assert field_names(headers) == [
        "full_name",
        "temperature_c",
        "start_date",
        "field_2nd_dose",
        "cafe",
        "full_name_2",
        "column_7",
    ]
    # never the text of another header: the import matches headers by name or title
    assert field_names(["Code", "code_2", "CODE 2"])[0] == "code"
    assert len(set(field_names(["Code", "code_2", "CODE 2"]))) == 3
    assert field_names(["code_2", "Code 2"])[1] not in ("code_2",)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "No", "y", "N", "TRUE", "false"], {"type": "boolean"}),
        ([True, False], {"type": "boolean"}),
        (["1", "-2", "1,250", 3, 4.0], {"type": "integer"}),
        (["1.5", "2", 3.25, "-0.5"], {"type": "number"}),
        (["01234", "5"], {"type": "string"}),  # a leading zero is a code, not a number
        (["2025-03-31", "31/03/2025", date(2025, 1, 2), datetime(2025, 1, 2)], {"format": "date"}),
        (["31/02/2025"], {"type": "string"}),  # not a real date
        (
            ["2025-03-31 10:30", "31/03/2025 09:00", datetime(2025, 1, 2, 8)],
            {"format": "date-time"},
        ),
        (["GP", "Nurse", "gp", "GP"], {"enum": ["GP", "Nurse"]}),
        (["Ann", "Bob", "Cy"], {"type": "string"}),  # all distinct: names, not choices
        (["same", "same"], {"type": "string"}),  # one value is no choice
        ([f"v{i}" for i in range(11)] * 2, {"type": "string"}),  # more than 10 values
        (["short", "two\nlines"], {"maxLength": 10_000}),
        (["x" * 201], {"maxLength": 10_000}),
        ([], {"type": "string"}),
    ],
)
def test_types_from_examples(values: list[Any], expected: dict[str, Any]) -> None:
    schema = field_schema("Question", values)
    assert schema["title"] == "Question"
    assert schema.items() >= expected.items(), schema


def test_definition_from_csv_is_valid_and_required_where_every_row_has_a_value() -> None:
    content = (
        b"Full name,Role,Start date,Has DBS?,Hours,Notes\n"
        b"Ann Smith,GP,01/04/2024,yes,3,\n"
        b"Bob Jones,Nurse,2024-05-02,no,5,late\n"
        b",,,,,\n"
        b"Cy Lee,GP,03/06/2024,Y,1,\n"
    )
    drafted = definition_from_spreadsheet(content, "staff-training.csv", "staff_training")
    definition = drafted.definition
    validate_definition(definition)
    assert drafted.examples == 3
    assert definition["title"] == "Staff training"
    schema = definition["schema"]
    assert schema["required"] == ["full_name", "role", "start_date", "has_dbs", "hours"]
    assert [p["title"] for p in schema["properties"].values()] == [
        "Full name", "Role", "Start date", "Has DBS?", "Hours", "Notes",
    ]  # fmt: skip
    assert schema["properties"]["role"]["enum"] == ["GP", "Nurse"]
    assert schema["properties"]["hours"]["type"] == "integer"


def test_definition_from_xlsx_cells_and_a_header_only_file() -> None:
    content = xlsx([["Checked on", "Reading"], [datetime(2025, 3, 1), 4.5], [date(2025, 3, 2), 5]])
    schema = definition_from_spreadsheet(content, "log.xlsx", "log", "Log").definition["schema"]
    assert schema["properties"]["checked_on"]["format"] == "date"
    assert schema["properties"]["reading"]["type"] == "number"
    only_header = definition_from_spreadsheet(b"A,B\n", "x.csv", "x").definition
    validate_definition(only_header)
    assert "required" not in only_header["schema"]
    assert title_from_filename("  .csv") == "New app"


def test_empty_and_headerless_files_are_refused() -> None:
    assert refused(b"") == ["the file is empty: put the headings in row 1"]
    assert refused(b"\n\n") == ["the file is empty: put the headings in row 1"]
    assert refused(b",,\nann,3\n") == [
        "row 1 is empty: put one heading per column in row 1 (the header)"
    ]
    assert refused(xlsx([]), "x.xlsx") == [
        "the file is empty: put one heading per column in row 1 (the header)"
    ]


def test_blank_and_duplicate_headings_name_the_column() -> None:
    assert refused(b"Name,,Role,name,ROLE\nann,1,gp,a,b\n") == [
        "column B: the heading (row 1) is blank but rows below hold values; give the column "
        "a heading",
        "column D: the heading 'name' repeats column A's; give each column its own heading",
        "column E: the heading 'ROLE' repeats column C's; give each column its own heading",
    ]
    assert refused(b"Name\nann,extra\n") == [
        "column B: the heading (row 1) is blank but rows below hold values; give the column "
        "a heading"
    ]
    # an empty column without a heading (a spacer) is left out
    definition = definition_from_spreadsheet(b"Name,,Role\nann,,gp\n", "x.csv", "x").definition
    assert list(definition["schema"]["properties"]) == ["name", "role"]


def test_merged_header_cells_formulas_and_hidden_sheets_are_refused() -> None:
    merged = xlsx([["Name", None, "Role"], ["a", "b", "c"]], lambda b, s: s.merge_cells("A1:B1"))
    assert refused(merged, "x.xlsx") == [
        "cells A1:B1 of the header (row 1) are merged: unmerge them and give each column "
        "its own heading"
    ]
    formulas = xlsx([["Hours", "Total"]] + [[i, f"=A{i + 1}*2"] for i in range(1, 8)])
    lines = refused(formulas, "x.xlsx")
    assert lines[0] == (
        "cell B2 holds a formula: replace formulas with their values (copy, then paste "
        "special, values)"
    )
    assert len(lines) == 6
    assert lines[-1] == "... and 2 more cells holding formulas"

    def hide(book: Workbook, sheet: Worksheet) -> None:
        book.create_sheet("Visible")
        sheet.sheet_state = "hidden"

    assert refused(xlsx([["Name"], ["ann"]], hide), "x.xlsx") == [
        "the first sheet, 'Sheet', is hidden: the examples must be on the first sheet and "
        "visible; unhide it or move the examples there"
    ]


def test_files_that_are_not_workbooks_are_refused() -> None:
    not_a_workbook = "the file is not an Excel workbook (.xlsx) or CSV"
    assert refused(b"%PDF-1.4 garbage", "x.xlsx") == [not_a_workbook]
    assert refused(b"PK\x03\x04 broken zip", "x.csv") == [not_a_workbook]
    assert refused(b"Name\nann\n", "notes.pdf") == [not_a_workbook]
    assert refused(b"Name\x00\nann\n", "x.csv") == [not_a_workbook]
    assert refused("Name\n£5\n".encode("latin-1"), "x.csv") == [
        "the file is not UTF-8 text; save it as CSV UTF-8"
    ]
    assert refused(b"Name\n", "old.xls") == [not_a_workbook]


def test_more_than_1000_columns_or_50000_rows_are_refused() -> None:
    wide = ",".join(f"c{i}" for i in range(1001)).encode() + b"\n"
    assert refused(wide) == [
        "row 1, column ALM: an import reads at most 1,000 columns; delete the columns beyond that"
    ]
    wide_book = xlsx([[f"c{i}" for i in range(1001)]])
    assert refused(wide_book, "x.xlsx")[0].startswith("row 1, column ALM: ")
    tall = b"n\n" + b"1\n" * 50_001
    assert refused(tall) == [
        "row 50002: an import reads at most 50,000 rows below the header; "
        "split the file into smaller ones"
    ]
    definition_from_spreadsheet(b"n\n" + b"1\n" * 50_000, "x.csv", "x")  # the limit itself


def test_bad_id_and_title() -> None:
    with pytest.raises(SpreadsheetRefused, match="the id 'Staff' must be lower-case"):
        definition_from_spreadsheet(b"A\n", "x.csv", "Staff")
    with pytest.raises(SpreadsheetRefused, match="the title must be 1 to 200 characters"):
        definition_from_spreadsheet(b"A\n", "x.csv", "x", "  ")


def test_damaged_workbooks_are_refused_never_crash() -> None:
    """Bytes changed at random in a real workbook (a corrupt deflate stream, an unknown
    compression method, a truncated part ...) give a message, never another exception."""
    rows: list[list[Any]] = [["Name", "Role", "When"]]
    rows += [[f"n{i}", "GP" if i % 2 else "Nurse", f"0{i % 9 + 1}/03/2025"] for i in range(30)]
    good = xlsx(rows)
    chance = random.Random(1)
    outcomes = set()
    for _ in range(400):
        data = bytearray(good)
        for _ in range(chance.randint(1, 5)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        try:
            definition_from_spreadsheet(bytes(data), "x.xlsx", "x")
            outcomes.add("made")
        except SpreadsheetRefused as exc:
            assert exc.lines, exc
            outcomes.add("refused")
    assert "refused" in outcomes


def test_every_inferred_type_reads_back_through_the_import_reader() -> None:
    content = (
        b"ods,Name,Seen at,On,Ok,Count,Dose (ml),Ward,Notes\n"
        b'A00001,Ann,2025-03-31 10:30,31/03/2025,Y,"1,250",2.5,North,\n'
        b'A00001,Bob,31/03/2025 09:05,2025-04-01,n,3,-1,South,"two\nlines"\n'
        b"A00002,Cy,01/04/2025 23:59,1/4/2025,TRUE,0,.5,North,x\n"
    )
    drafted = definition_from_spreadsheet(content, "x.csv", "x")
    kinds = {
        k: v.get("format", v["type"]) for k, v in drafted.definition["schema"]["properties"].items()
    }
    assert kinds == {
        "name": "string", "seen_at": "date-time", "on": "date", "ok": "boolean",
        "count": "integer", "dose_ml": "number", "ward": "string", "notes": "string",
    }  # fmt: skip
    result = read_import(validate_definition(drafted.definition), content, "x.csv")
    assert result.problems == []
    assert [row.data["count"] for row in result.rows] == [1250, 3, 0]
    assert [row.ods for row in result.rows] == ["A00001", "A00001", "A00002"]
