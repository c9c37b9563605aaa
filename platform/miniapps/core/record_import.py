"""Read a CSV or XLSX file into checked record data for one app, without writing anything.

:func:`read_import` is the whole pipeline: bytes → header and rows → columns
mapped to fields → each row converted and validated like a submitted form.
It returns an :class:`ImportResult` with the rows it could read and every
problem found, each a :class:`RowProblem` printed as ``row N, column C: message``
where N is the spreadsheet's row number (the header is row 1).

Columns are named by a field's key or title (any case), nested fields by a path
(``address/postcode`` or ``address.postcode``), items of a repeating section by
number (``courses/1/name``; a repeating section may also be one JSON cell).
``ods`` and ``period`` columns give each row's organisation and period, standing
in for the ``org`` and ``period`` arguments. Columns that exports write for
information (``id``, ``status`` ...) are ignored with a warning, so an exported
file can be imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from miniapps.core.definitions import AppDefinition
from miniapps.core.forms.conditions import compile_rules, drop_hidden, evaluate
from miniapps.core.forms.field_base import MISSING
from miniapps.core.periods import period_of
from miniapps.core.record_import_cells import CellProblem, cell_text, convert_cell, read_table
from miniapps.core.record_import_columns import (
    column_for,
    column_name,
    finish,
    missing_required,
    original_pointer,
    overlaps,
    put,
    resolve_header,
)
from miniapps.core.record_validation import validate_record_data
from miniapps.core.schema_fields import Field, iter_fields

ODS_HEADERS = frozenset({"ods", "ods code", "org", "organisation ods"})
PERIOD_HEADERS = frozenset({"period"})
# Written by exports for information; never imported (imported records are new and submitted).
EXPORT_ONLY = frozenset(
    {"id", "record_id", "app_version", "organisation", "status", "submitted_by"}
    | {"created_at", "updated_at", "submitted_at"}
)
PERIOD_SHAPES = {
    "monthly": (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "2025-04"),
    "quarterly": (re.compile(r"^\d{4}-Q[1-4]$"), "2025-Q1"),
    "yearly": (re.compile(r"^\d{4}$"), "2025"),
    "weekly": (re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"), "2025-W07"),
}
SAMPLE_ROWS = 10


@dataclass(frozen=True)
class RowProblem:
    """One problem in the file: ``row`` is the spreadsheet's row number (header: 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Column:
    """One column of the file: ``target`` is a field pointer, ``ods``, ``period`` or None."""

    number: int
    header: str
    target: str | None
    title: str = ""


@dataclass
class ImportRow:
    row: int
    ods: str | None
    period: str | None
    data: dict[str, Any]


@dataclass
class ImportResult:
    columns: list[Column] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sample: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_import(
    definition: AppDefinition,
    content: bytes,
    filename: str,
    *,
    org: str | None = None,
    period: str | None = None,
) -> ImportResult:
    """Read and check every row of ``content`` (CSV or XLSX) for ``definition``'s app.

    ``org`` (an ODS code) and ``period`` apply to rows whose file gives none.
    """
    result = ImportResult()
    try:
        table = read_table(content, filename)
    except CellProblem as exc:
        result.problems.append(RowProblem(None, None, str(exc)))
        return result
    if not table or not any(cell_text(c) for c in table[0][1]):
        result.problems.append(
            RowProblem(None, None, "the file is empty: row 1 must name the columns")
        )
        return result
    fields = list(iter_fields(definition.schema))
    _map_columns(result, [cell_text(c) for c in table[0][1]], fields, definition)
    frequency = str(definition.period.get("frequency", "none"))
    period = _option_period(result, period, frequency)
    _check_org_source(result, org)
    by_pointer = {f.pointer: f for f in fields}
    rules = compile_rules(definition.schema, definition.ui)
    missing = missing_required(definition.schema, result.columns)
    if missing:
        names = ", ".join(column_name(p) for p in sorted(missing))
        result.problems.append(RowProblem(1, None, f"required column(s) missing: {names}"))
    for number, cells in table[1:]:
        if not any(cell_text(c) for c in cells):
            continue
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append((number, [cell_text(c) for c in cells]))
        row, renames, bad = _read_row(result, number, cells, by_pointer, org, period, frequency)
        row.data = drop_hidden(row.data, evaluate(rules, row.data))
        for issue in validate_record_data(definition.schema, row.data):
            pointer = original_pointer(issue.pointer, renames)
            column = column_for(pointer, result.columns)
            if (issue.code == "required" and pointer in missing) or column in bad:
                continue  # reported once at row 1, or the cell's own problem was reported
            result.problems.append(RowProblem(number, column, issue.message))
        result.rows.append(row)
    if not result.rows and not result.problems:
        result.problems.append(RowProblem(None, None, "the file has no rows below the header"))
    order = {c.header: c.number for c in reversed(result.columns)}
    result.problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
    return result


def _map_columns(
    result: ImportResult, headers: list[str], fields: list[Field], definition: AppDefinition
) -> None:
    unknown: list[str] = []
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for number, header in enumerate(headers):
        if not header:
            result.columns.append(Column(number, header, None))
            continue
        folded = header.strip().casefold()
        resolved = resolve_header(header, fields)
        if resolved is not None:
            target, found = resolved
            title = found.title
        elif folded in ODS_HEADERS:
            target, title = "ods", "Organisation (ODS code)"
        elif folded in PERIOD_HEADERS and definition.is_periodic:
            target, title = "period", "Period"
        elif folded in EXPORT_ONLY or folded == "period":
            ignored.append(header)
            target, title = None, ""
        else:
            unknown.append(header)
            target, title = None, ""
        clash = next((h for t, h in taken.items() if target and overlaps(t, target)), None)
        if clash is not None:
            result.problems.append(
                RowProblem(1, header, f"this column and column {clash} fill the same question")
            )
            target = None
        elif target:
            taken[target] = header
        result.columns.append(Column(number, header, target, title))
    if unknown:
        known = ", ".join(column_name(f.pointer) for f in fields if f.parent == "")
        result.problems.append(
            RowProblem(
                1,
                None,
                f"unknown column(s) {', '.join(unknown)}: name each column by a question's "
                f"key or title ({known})",
            )
        )
    if ignored:
        result.warnings.append(f"columns not imported (exports write them): {', '.join(ignored)}")


def _option_period(result: ImportResult, period: str | None, frequency: str) -> str | None:
    if not period:
        has_column = any(c.target == "period" for c in result.columns)
        if frequency != "none" and not has_column:
            example = PERIOD_SHAPES.get(frequency, (None, "2025-04"))[1]
            result.problems.append(
                RowProblem(1, None, f"add a period column or choose the period (like {example})")
            )
        return None
    problem = period_problem(period, frequency)
    if problem:
        result.problems.append(RowProblem(None, None, f"period {period}: {problem}"))
    return period.strip().upper()


def period_problem(period: str, frequency: str) -> str | None:
    """Why ``period`` does not fit an app of this ``frequency``, or None."""
    if frequency == "none":
        return "this app has no periods; leave the period out"
    pattern, example = PERIOD_SHAPES.get(frequency, PERIOD_SHAPES["monthly"])
    if not pattern.match(period.strip().upper()):
        return f"enter a {frequency} period like {example}"
    return None


def _check_org_source(result: ImportResult, org: str | None) -> None:
    if not org and not any(c.target == "ods" for c in result.columns):
        result.problems.append(
            RowProblem(1, None, "add an ods column or choose the organisation to import for")
        )


def _read_row(
    result: ImportResult,
    number: int,
    cells: list[Any],
    fields: dict[str, Field],
    org: str | None,
    period: str | None,
    frequency: str,
) -> tuple[ImportRow, dict[str, str], set[str]]:
    """One row's organisation, period and data; ``renames`` undoes item renumbering and
    ``bad`` names the columns whose cells could not be read (already reported)."""
    row = ImportRow(number, org.strip().upper() if org else None, period, {})
    bad: set[str] = set()
    for number_, value in enumerate(cells):
        unnamed = number_ >= len(result.columns) or not result.columns[number_].header
        if unnamed and cell_text(value):
            message = "this value is in a column with no name in row 1"
            result.problems.append(RowProblem(number, get_column_letter(number_ + 1), message))
    for column in result.columns:
        value = cells[column.number] if column.number < len(cells) else None
        if column.target is None or not cell_text(value):
            continue
        if column.target == "ods":
            row.ods = cell_text(value).upper()
        elif column.target == "period":
            text = _period_text(value, frequency)
            if problem := period_problem(text, frequency):
                result.problems.append(RowProblem(number, column.header, problem))
            row.period = text
        else:
            pattern = re.sub(r"/\d+(?=/|$)", "/-", column.target)
            try:
                converted = convert_cell(fields[pattern], value)
            except CellProblem as exc:
                result.problems.append(RowProblem(number, column.header, str(exc)))
                bad.add(column.header)
                continue
            if converted is not MISSING:
                put(row.data, column.target, converted)
    ods_header = next((c.header for c in result.columns if c.target == "ods"), None)
    if row.ods is None and ods_header is not None:
        result.problems.append(RowProblem(number, ods_header, "enter the organisation's ODS code"))
    period_header = next((c.header for c in result.columns if c.target == "period"), None)
    if row.period is None and period_header is not None and frequency != "none":
        result.problems.append(RowProblem(number, period_header, "enter the period"))
    renames: dict[str, str] = {}
    row.data = finish(row.data, "", renames)
    return row, renames, bad


def _period_text(value: Any, frequency: str) -> str:
    """A period cell as text; a date typed into Excel becomes the period containing it."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return period_of(day, frequency) or day.isoformat()
    return cell_text(value).upper()
