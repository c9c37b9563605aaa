"""Per-row cost of the one record check (``check_record``) on generated rows.

Pure core, no database: times :func:`miniapps.core.records.check.check_record` with
``submit=True`` for the five-column fridge app of the import tests and for a generated
100-field app, over ``--rows`` valid rows each (a few rows carry a wrong value so the
issue path runs too), with the schema sealed as a stored version's is (``--unsealed``:
a schema a caller built, cached by content). Beside it, the schema step alone on the
same rows: the Python validator (``validate_record_data``) and the jsonschema-rs fast
check in front of it (``surely_valid``, :mod:`miniapps.core.records.fast_check`).

    .venv/bin/python benchmarks/check_bench.py --rows 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import miniapps.core.forms  # noqa: F401  (imports check.py in the order the app does)
from import_readings import DEFINITION as FRIDGE
from miniapps.core.bounded_cache import seal
from miniapps.core.records.check import SchemaRules, check_record
from miniapps.core.records.fast_check import surely_valid
from miniapps.core.records.schema_issues import validate_record_data

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TARGET_US = 200.0  # the issue's budget is ~200 µs of CPU per imported record in all


def fridge_rows(count: int) -> list[dict[str, Any]]:
    start = date(2022, 1, 1)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        row: dict[str, Any] = {
            "fridge": f"Fridge {n // 1000 + 1}",
            "reading_date": str(start + timedelta(days=n % 1000)),
            "min_temp": 3 + (n % 10) / 10,
            "max_temp": 7.5 if n % 500 else 99,  # one in 500 out of range
        }
        if n % 7 == 0:
            row["comment"] = "door open, reset"
        rows.append(row)
    return rows


KINDS = ("text", "number", "integer", "date", "choice", "yes_no")


def wide_schema(width: int) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for i in range(width):
        kind = KINDS[i % len(KINDS)]
        name = f"f{i:03d}"
        if kind == "text":
            properties[name] = {"type": "string", "title": f"Text {i}", "maxLength": 200}
        elif kind == "number":
            properties[name] = {"type": "number", "title": f"Number {i}", "minimum": 0}
        elif kind == "integer":
            properties[name] = {"type": "integer", "title": f"Count {i}", "maximum": 10**6}
        elif kind == "date":
            properties[name] = {"type": "string", "format": "date", "title": f"Date {i}"}
        elif kind == "choice":
            properties[name] = {"type": "string", "title": f"Choice {i}", "enum": ["a", "b", "c"]}
        else:
            properties[name] = {"type": "boolean", "title": f"Yes or no {i}"}
    return {
        "type": "object",
        "required": list(properties)[: width // 2],
        "properties": properties,
        "additionalProperties": False,
    }


def wide_rows(width: int, count: int) -> list[dict[str, Any]]:
    values: dict[str, Any] = {
        "text": "some text",
        "number": 12.5,
        "integer": 7,
        "date": "2025-03-31",
        "choice": "b",
        "yes_no": True,
    }
    rows = []
    for n in range(count):
        row = {f"f{i:03d}": values[KINDS[i % len(KINDS)]] for i in range(width)}
        if n % 500 == 0:
            row["f001"] = -1  # below its minimum
        rows.append(row)
    return rows


def per_row_us(schema: dict[str, Any], rows: list[dict[str, Any]], sealed: bool) -> float:
    rules = SchemaRules(schema)
    if sealed:
        seal(schema, rules.ui)
    check_record(rules, rows[0], submit=True, now=NOW)  # warm the caches
    started = time.process_time()
    for row in rows:
        check_record(rules, row, submit=True, now=NOW)
    return (time.process_time() - started) / len(rows) * 1e6


def schema_step_us(schema: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[float, float]:
    """µs CPU per row of the schema step: the Python validator alone, then the fast check."""
    timings = []
    for step in (validate_record_data, surely_valid):
        step(schema, rows[0])  # warm the caches
        started = time.process_time()
        for row in rows:
            step(schema, row)
        timings.append((time.process_time() - started) / len(rows) * 1e6)
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--width", type=int, default=100, help="fields of the wide app")
    parser.add_argument("--unsealed", action="store_true", help="schemas cached by content")
    args = parser.parse_args()
    sealed = not args.unsealed
    cases = [
        ("fridge (5 fields)", FRIDGE["schema"], fridge_rows(args.rows)),
        (f"wide ({args.width} fields)", wide_schema(args.width), wide_rows(args.width, args.rows)),
    ]
    print(f"check_record, submit=True, {args.rows} rows, sealed schema: {sealed}\n")
    print("| app | µs CPU per row | rows/s (check only) | schema step: Python µs | fast check µs |")
    print("|---|---:|---:|---:|---:|")
    for name, schema, rows in cases:
        us = per_row_us(schema, rows, sealed)
        python_us, fast_us = schema_step_us(schema, rows)
        print(f"| {name} | {us:.1f} | {1e6 / us:,.0f} | {python_us:.1f} | {fast_us:.1f} |")
    print(f"\n(the fridge figure against ~{TARGET_US:.0f} µs measured before issue 17's work)")


if __name__ == "__main__":
    main()
