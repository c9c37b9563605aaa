"""``miniapps records import iif_tracker EXTRACT --period YYYY-MM``: clinical-system
extracts (one row per practice and indicator), including the bundled sample."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from miniapps.models import Record
from miniapps.services.organisations import OrgRow, upsert_organisations
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

SAMPLE = Path(__file__).resolve().parents[2] / "apps/iif_tracker/data/sample-extract-2025-06.csv"


def stored(session: Any) -> list[Record]:
    return list(session.scalars(select(Record).order_by(Record.id)))


def test_the_bundled_sample_imports_once(runner, db_session, orgs, iif_app) -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        sample = list(csv.DictReader(handle))
    codes = sorted({row["ods"] for row in sample})
    upsert_organisations(
        db_session, [OrgRow(ods, f"Practice {ods}", "practice", "U00001") for ods in codes]
    )
    db_session.commit()
    command = ["records", "import", "iif_tracker", str(SAMPLE), "--period", "2025-06"]
    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["imported 12 records (0 duplicates skipped)"]
    assert "24 rows make 12 returns, one per organisation and period" in result.stderr
    records = stored(db_session)
    assert sorted(r.organisation.ods for r in records) == codes
    assert {(r.period, r.status) for r in records} == {("2025-06", "submitted")}
    first = sample[0]
    record = next(r for r in records if r.organisation.ods == first["ods"])
    assert record.data["list_size"] == int(first["list_size"])
    assert record.data["indicators"][first["indicator"]] == {
        "numerator": int(first["numerator"]),
        "denominator": int(first["denominator"]),
        "exclusions": int(first["exclusions"]),
    }
    again = runner.invoke(args=command)
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[-1] == "imported 0 records (12 duplicates skipped)"
    assert lines[0] == f"row 2: duplicate of record {record.id} ({first['ods']} 2025-06, rows 2-3)"
    assert len(stored(db_session)) == 12


def test_extract_problems_exit_1_and_write_nothing(runner, db_session, iif_app, tmp_path) -> None:
    path = tmp_path / "extract.xlsx"
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in (
        ["ods", "indicator", "numerator", "denominator", "list_size"],
        ["A00001", "CAN-04", 30, 41, 9800],
        ["A00001", "ACC-08", 3, 4, 9800],
        ["A00002", "CAN-04", 5, 4, 7000],
        ["A00002", "HI-03", 1.5, 4, 7000],
        ["A00001", "CAN-04", 30, 41, 9800],
        ["X11111", "CAN-04", 1, 2, 100],
    ):
        sheet.append(row)
    book.save(path)
    command = ["records", "import", "iif_tracker", str(path), "--period", "2025-06"]
    result = runner.invoke(args=command)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "row 3, column indicator: ACC-08 is not an indicator of 2025/26 (CAN-04, HI-03)",
        "row 4, column numerator: CAN-04: the numerator (5) cannot be more than the "
        "denominator (4)",
        "row 5, column numerator: HI-03: numerator must be a whole number",
        "row 6, column indicator: duplicate row: A00001 CAN-04 is also in row 2",
        "row 7, column ods: no organisation has the ODS code X11111",
    ]
    assert "nothing imported: 5 problem(s) in extract.xlsx" in result.stderr
    assert stored(db_session) == []
    without_period = runner.invoke(args=command[:4])
    assert without_period.exit_code == 1
    assert without_period.stdout.splitlines() == [
        "row 1: add a period column or choose the period (like 2025-04)"
    ]
