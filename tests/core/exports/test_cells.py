"""The one export rule: text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from miniapps.core.exports.cells import FORMULA_TRIGGERS, csv_text, safe_cell, xlsx_append
from openpyxl import Workbook, load_workbook


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_text_starting_with_each_trigger_gets_a_quote(trigger: str) -> None:
    assert trigger in FORMULA_TRIGGERS
    assert safe_cell(trigger + "1+1") == "'" + trigger + "1+1"
    assert safe_cell(trigger) == "'" + trigger


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+44 20 7946 0000", "-5 patients", "-2+3", "@SUM(A1)", '=HYPERLINK("x")', "-5"],
)
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Ann Lee", "5-2", "a=b", " =1+1", "'=1+1", "#N/A"])
def test_other_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text


@pytest.mark.parametrize(
    "value",
    [-5, -2.5, 0, 3, Decimal("-1.5"), True, False, None, date(2025, 4, 1), datetime(2025, 4, 1)],
)
def test_values_that_are_not_text_keep_their_type(value: Any) -> None:
    assert safe_cell(value) is value


def test_csv_text_neutralises_header_and_cells_and_keeps_negative_numbers() -> None:
    text = csv_text(["name", "=total"], [["=1+1", -5], ["-5 patients", None], [True, 2.5]])
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "'=total"],
        ["'=1+1", "-5"],
        ["'-5 patients", ""],
        ["True", "2.5"],
    ]


def test_csv_text_formats_the_made_safe_value() -> None:
    text = csv_text(["a", "b"], [[-3, "@x"]], text=lambda v: f"<{v}>")
    assert list(csv.reader(io.StringIO(text)))[1] == ["<-3>", "<'@x>"]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_append_writes_text_never_formulas(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("data")
    xlsx_append(sheet, ["=header", "plain"])
    when = datetime(2025, 4, 1, 9, 30)
    xlsx_append(sheet, ["=1+1", "#N/A", -5, 2.5, True, None, when, "Ann"])
    out = io.BytesIO()
    book.save(out)
    loaded = load_workbook(io.BytesIO(out.getvalue()))["data"]
    rows = list(loaded.iter_rows())
    assert [c.value for c in rows[0]][:2] == ["'=header", "plain"]
    assert [c.value for c in rows[1]] == ["'=1+1", "#N/A", -5, 2.5, True, None, when, "Ann"]
    kinds = [c.data_type for c in rows[1]]
    assert kinds[:5] == ["s", "s", "n", "n", "b"]
    assert all(c.data_type != "f" for row in rows for c in row)


def test_openpyxl_alone_would_store_a_formula() -> None:
    """Why xlsx_append exists: a plain append of ``=`` text is a live formula."""
    book = Workbook(write_only=True)
    book.create_sheet("data").append(["=1+1", "#N/A"])
    out = io.BytesIO()
    book.save(out)
    cells = next(load_workbook(io.BytesIO(out.getvalue()))["data"].iter_rows())
    assert [c.data_type for c in cells] == ["f", "e"]
