"""Clinical-system extracts (one row per organisation and indicator) read into one record
per organisation and month, checked against that month's year set (no database)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.imports.long import compare_with_return
from miniapps.core.imports.wide import ImportRow, read_import
from miniapps.core.indicators.year_sets import YearSet, financial_year, parse_year_set
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

IIF_DIR = Path(__file__).resolve().parents[3] / "apps" / "iif_tracker"
IIF = AppDefinition(raw=json.loads((IIF_DIR / "app.json").read_text()))
SETS = {
    (raw := json.loads(path.read_text()))["year"]: parse_year_set(raw)
    for path in sorted((IIF_DIR / "data").glob("*.json"))
}
HEADER = "ods,indicator,numerator,denominator,exclusions,list_size\n"


def year_sets(period: str) -> YearSet | None:
    return SETS.get(financial_year(period))


def read(text: str, period: str | None = "2025-06", **options: Any):
    return read_import(
        IIF, text.encode(), "extract.csv", period=period, year_sets=year_sets, **options
    )


def lines(text: str, **options: Any) -> list[str]:
    return [str(p) for p in read(text, **options).problems]


def test_rows_are_grouped_into_one_return_per_practice() -> None:
    result = read(
        HEADER
        + "A00001,CAN-04,30,41,2,9800\n"
        + "a00002,can-04,12,20,,7000\n"
        + "A00001,HI-03,18,25,,\n"
        + "A00002,HI-03,5,9,1,7000\n"
    )
    assert result.ok, result.problems
    assert result.layout == "long"
    assert [(r.row, r.ods, r.period, r.source_rows) for r in result.rows] == [
        (2, "A00001", "2025-06", [2, 4]),
        (3, "A00002", "2025-06", [3, 5]),
    ]
    assert result.rows[0].data == {
        "list_size": 9800,
        "indicators": {
            "CAN-04": {"numerator": 30, "denominator": 41, "exclusions": 2},
            "HI-03": {"numerator": 18, "denominator": 25},
        },
    }
    assert result.rows[1].data["indicators"]["CAN-04"] == {"numerator": 12, "denominator": 20}
    assert result.warnings == ["4 rows make 2 returns, one per organisation and period"]
    columns = [(c.header, c.target, c.title) for c in result.columns]
    assert columns[:3] == [
        ("ods", "ods", "Organisation (ODS code)"),
        ("indicator", "indicator", "Indicator code"),
        ("numerator", "numerator", "Numerator"),
    ]
    assert columns[5] == ("list_size", "list_size", "Registered list size")


def test_the_bundled_sample_extract_reads_cleanly() -> None:
    content = (IIF_DIR / "data" / "sample-extract-2025-06.csv").read_bytes()
    result = read_import(IIF, content, "sample.csv", period="2025-06", year_sets=year_sets)
    assert result.ok, result.problems
    assert len(result.rows) == 12
    assert all(set(r.data["indicators"]) == {"CAN-04", "HI-03"} for r in result.rows)


def test_every_problem_is_on_its_row_and_column() -> None:
    problems = lines(
        HEADER
        + "A00001,CAN-04,30,41,2,9800\n"
        + "A00001,HI-03,18,25,,9800\n"
        + "A00002,CAN-04,50,40,,7000\n"
        + "A00002,ACC-08,1,2,,7000\n"
        + "A00001,can-04,1,2,,9800\n"
        + "A00003,HI-03,-1,2.5,x,6000\n"
        + "A00002,HI-03,1,2,,7100\n"
        + "A00004,,1,2,,5000\n"
        + ",CAN-04,1,2,,5000\n"
        + "A00004,HI-03,,3,,5000,extra\n"
    )
    assert problems == [
        "row 4, column numerator: CAN-04: the numerator (50) cannot be more than the "
        "denominator (40)",
        "row 5, column indicator: ACC-08 is not an indicator of 2025/26 (CAN-04, HI-03)",
        "row 6, column indicator: duplicate row: A00001 CAN-04 is also in row 2",
        "row 7, column numerator: HI-03: numerator must be 0 or more",
        "row 7, column denominator: HI-03: denominator must be a whole number",
        "row 7, column exclusions: HI-03: exclusions (personalised care adjustments) must "
        "be a whole number",
        "row 8, column list_size: A00002's list size is 7000 in row 4: give one list size "
        "for each practice",
        "row 9, column indicator: enter the indicator code",
        "row 10, column ods: enter the organisation's ODS code",
        "row 11, column numerator: HI-03: enter numerator",
        "row 11, column G: this value is in a column with no name in row 1",
    ]


def test_codes_are_checked_against_the_year_of_each_period() -> None:
    text = "ods,period,indicator,numerator,denominator,list_size\n"
    rows = "A00001,2025-06,CAN-04,3,4,9000\nA00001,2026-06,CAN-04,3,4,9000\n"
    result = read(text + rows, period=None)
    assert result.ok, result.problems
    assert [r.period for r in result.rows] == ["2025-06", "2026-06"]
    problems = lines(text + "A00001,2024-06,CAN-04,3,4,9000\nA00001,2024-07,HI-03,3,4,9000\n")
    assert problems == [
        "row 2, column period: no indicators are loaded for 2024/25: load that year's set "
        "first (miniapps indicators load FILE)",
        "row 3, column period: no indicators are loaded for 2024/25: load that year's set "
        "first (miniapps indicators load FILE)",
    ]
    chosen = lines(HEADER + "A00001,CAN-04,3,4,,9000\n", period="2023-05")
    assert chosen == [
        "period 2023-05: no indicators are loaded for 2023/24: load that year's set first "
        "(miniapps indicators load FILE)"
    ]


def test_the_same_practice_and_code_in_two_months_is_not_a_duplicate() -> None:
    text = "ods,period,indicator,numerator,denominator,list_size\n"
    rows = "A00001,2025-06,CAN-04,3,4,9000\nA00001,2025-07,CAN-04,3,4,9000\n"
    assert lines(text + rows + "A00001,2025-07,CAN-04,3,5,9000\n", period=None) == [
        "row 4, column indicator: duplicate row: A00001 CAN-04 for 2025-07 is also in row 3"
    ]


def test_missing_and_unknown_columns_are_reported_once() -> None:
    assert lines("ods,indicator,numerator\nA00001,CAN-04,3\n") == [
        "row 1: required column(s) missing: denominator"
    ]
    assert lines("ods,indicator,numerator,denominator,list_size,colour,notes\n") == [
        "row 1: unknown column(s) colour, notes: an indicator extract has ods, indicator, "
        "numerator, denominator and optionally exclusions, list_size, period"
    ]
    assert lines("indicator,numerator,denominator,numerator,list_size\nCAN-04,1,2,3,9\n") == [
        "row 1, column numerator: this column and column numerator fill the same question",
        "row 1: add an ods column or choose the organisation to import for",
    ]
    assert lines(HEADER, period=None) == [
        "row 1: add a period column or choose the period (like 2025-04)",
    ]
    assert lines(HEADER) == ["the file has no rows below the header"]
    # A blank list size is allowed: the £ of list-size adjusted indicators stay unadjusted.
    assert lines(HEADER + "A00001,CAN-04,3,4,,\nA00001,HI-03,1,2,,\n") == []


def test_titles_name_columns_too_and_org_can_be_chosen() -> None:
    text = (
        "Indicator code,Numerator,Denominator,Registered list size\nCAN-04,3,4,\nHI-03,1,2,8000\n"
    )
    result = read(text, org="a00001")
    assert result.ok, result.problems
    assert [(r.ods, r.data["list_size"]) for r in result.rows] == [("A00001", 8000)]


def test_xlsx_extract_with_typed_cells() -> None:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in (
        ["ODS", "Indicator", "Numerator", "Denominator", "Exclusions", "List_Size"],
        ["A00001", "CAN-04", 30, 41.0, None, 9800],
        ["A00001", "HI-03", 2.5, 4, 0, 9800],
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_import(IIF, buffer.getvalue(), "x.xlsx", period="2025-06", year_sets=year_sets)
    assert [str(p) for p in result.problems] == [
        "row 3, column Numerator: HI-03: numerator must be a whole number"
    ]
    assert result.rows[0].data["indicators"]["CAN-04"] == {"numerator": 30, "denominator": 41}


def test_wide_files_of_the_same_app_are_read_as_before() -> None:
    cell = '"{""CAN-04"": {""numerator"": 3, ""denominator"": 4}}"'
    result = read(f"ods,list_size,indicators,notes\nA00001,9800,{cell},fine\n")
    assert result.ok, result.problems
    assert result.layout == "wide"
    assert result.rows[0].data == {
        "list_size": 9800,
        "indicators": {"CAN-04": {"numerator": 3, "denominator": 4}},
        "notes": "fine",
    }
    assert lines("ods,list_size,notes\nA00001,9800,fine\n") == [
        "row 1: required column(s) missing: indicators"
    ]


def test_an_indicator_column_means_nothing_special_to_other_apps() -> None:
    fridge = AppDefinition(
        raw={
            "id": "fridge",
            "title": "Fridge",
            "version": 1,
            "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
        }
    )
    result = read_import(fridge, b"reading,indicator\n4,x\n", "f.csv", org="A00001")
    assert result.layout == "wide"
    assert str(result.problems[0]).startswith("row 1: unknown column(s) indicator")


@pytest.mark.parametrize(
    ("stored", "expected", "duplicate"),
    [
        (
            {"list_size": 9800, "indicators": {"CAN-04": {"numerator": 30, "denominator": 41.0}}},
            "row 2: duplicate of record 7 (A00001 2025-06, row 2)",
            True,
        ),
        (
            {
                "list_size": 9800,
                "notes": "plans added since",
                "indicators": {"CAN-04": {"numerator": 30, "denominator": 41, "plan": {}}},
            },
            "row 2: duplicate of record 7 (A00001 2025-06, row 2)",
            True,
        ),
        (
            {"list_size": 9800, "indicators": {"CAN-04": {"numerator": 28, "denominator": 40}}},
            "row 2, column numerator: A00001 already has a return for 2025-06 (record 7) where "
            "this is 28 (and 1 other value); an import never changes a return: edit record 7, "
            "or take A00001's rows out of the file",
            False,
        ),
        (
            {"indicators": {}},
            "row 2, column numerator: A00001 already has a return for 2025-06 (record 7) where "
            "this is empty (and 2 other values); an import never changes a return: edit "
            "record 7, or take A00001's rows out of the file",
            False,
        ),
    ],
)
def test_compare_with_a_stored_return(stored: Any, expected: str, duplicate: bool) -> None:
    result = read(HEADER + "A00001,CAN-04,30,41,,9800\n")
    row: ImportRow = result.rows[0]
    problem, is_duplicate = compare_with_return(row, 7, stored)
    assert (str(problem), is_duplicate) == (expected, duplicate)


def test_the_four_column_extract_of_the_contract_is_enough() -> None:
    """``exclusions`` and ``list_size`` are optional (issue 6's extract contract)."""
    assert lines("ods,indicator,numerator,denominator\nA00001,CAN-04,3,4\n") == []
