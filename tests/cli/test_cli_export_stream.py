"""``miniapps records export`` writing as the records arrive: files beside ``--out`` for
repeating sections, standard output for CSV and JSON, members the definition lacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from miniapps.models import Record
from openpyxl import load_workbook
from sqlalchemy import update

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
COURSE = {"name": "BLS", "completed": "2025-02-01", "passed": True}
DATA = {"name": "Ann", "role": "nurse", "start_date": "2025-03-31", "has_dbs": False}


def test_every_format_streams_to_its_files(runner, db_session, seeded_app, tmp_path) -> None:
    definition = json.loads((EXAMPLES / "staff_training" / "app.json").read_text())
    seeded_app(
        definition,
        [
            ("A00001", "2025-04", {**DATA, "courses": [COURSE, {**COURSE, "name": "IG"}]}),
            ("A00003", "2025-04", {**DATA, "name": "Bob", "courses": [COURSE]}),
        ],
    )
    last = db_session.query(Record).order_by(Record.id.desc()).first()
    db_session.execute(
        update(Record).where(Record.id == last.id).values(data={**last.data, "legacy": 7})
    )
    db_session.commit()
    out = tmp_path / "training.csv"
    args = ["records", "export", "staff_training"]
    result = runner.invoke(args=[*args, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 2 records" in result.stderr
    main = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["name"], r["legacy"]) for r in main] == [("Ann", ""), ("Bob", "7")]
    courses = (tmp_path / "training.courses.csv").read_text(encoding="utf-8").splitlines()
    assert len(courses) == 4 and courses[0] == "record_id,item,name,completed,passed"

    as_json = runner.invoke(args=[*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    exported = json.loads(as_json.stdout)
    assert [r["data"]["name"] for r in exported] == ["Ann", "Bob"]
    assert exported[1]["data"]["legacy"] == 7

    book = tmp_path / "training.xlsx"
    as_xlsx = runner.invoke(args=[*args, "--format", "xlsx", "--out", str(book)])
    assert as_xlsx.exit_code == 0, as_xlsx.output
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["records", "courses"]
    header = next(workbook["records"].iter_rows(values_only=True))
    assert header[-1] == "legacy"


def test_csv_to_standard_output_without_sections(runner, db_session, seeded_app) -> None:
    definition = {
        "id": "notes_log",
        "title": "Notes",
        "version": 1,
        "schema": {"type": "object", "properties": {"note": {"type": "string"}}},
    }
    seeded_app(definition, [("A00001", None, {"note": "a"}), ("A00002", None, {"note": "=b"})])
    first = db_session.query(Record).order_by(Record.id).first()
    db_session.execute(
        update(Record).where(Record.id == first.id).values(data={"note": "a", "x": True})
    )
    db_session.commit()
    result = runner.invoke(args=["records", "export", "notes_log", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["note"], r["x"]) for r in rows] == [("a", "true"), ("'=b", "")]
