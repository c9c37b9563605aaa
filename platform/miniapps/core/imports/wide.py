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
file can be imported again. A clinical-system extract for an app with
``indicator_source`` (columns ``ods, indicator, numerator, denominator`` ...) is read by
:mod:`miniapps.core.imports.long` instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.forms.field_base import MISSING
from miniapps.core.imports.base import (
    ODS_HEADERS,
    PERIOD_HEADERS,
    SAMPLE_ROWS,
    Column,
    ImportResult,
    ImportRow,
    RowProblem,
    check_org_source,
    option_period,
    period_problem,
    period_text,
    unnamed_cells,
)
from miniapps.core.imports.cells import (
    CellProblem,
    Source,
    cell_text,
    convert_cell,
    iter_table,
    read_table,
)
from miniapps.core.imports.columns import (
    column_for,
    column_name,
    finish,
    missing_required,
    original_pointer,
    overlaps,
    put,
    resolve_header,
)
from miniapps.core.imports.long import is_long_layout, read_long
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.core.indicators.year_sets import YearSet
from miniapps.core.records.check import check_record

__all__ = [
    "Column",
    "ImportResult",
    "ImportRow",
    "ImportStream",
    "ReadLimits",
    "RowProblem",
    "period_problem",
    "read_import",
    "read_table",
    "stream_import",
]

# Written by exports for information; never imported (imported records are new and submitted).
EXPORT_ONLY = frozenset(
    {"id", "record_id", "app_version", "organisation", "status", "submitted_by"}
    | {"created_at", "updated_at", "submitted_at"}
)


def read_import(
    definition: AppDefinition,
    content: bytes,
    filename: str,
    *,
    org: str | None = None,
    period: str | None = None,
    year_sets: Callable[[str], YearSet | None] | None = None,
    limits: ReadLimits | None = None,
) -> ImportResult:
    """Read and check every row of ``content`` (CSV or XLSX) for ``definition``'s app.

    ``org`` (an ODS code) and ``period`` apply to rows whose file gives none. For an app
    with ``indicator_source``, a file with an ``indicator`` column is a long extract (one
    row per organisation and indicator, see :mod:`miniapps.core.imports.long`),
    checked against the indicators ``year_sets(period)`` gives for each period. A file
    beyond ``limits`` (rows, columns, cells, unpacked size) is one problem, read no further.
    """
    stream = stream_import(
        definition, content, filename, org=org, period=period, year_sets=year_sets, limits=limits
    )
    rows = [row for row, _ in stream.rows]
    result = stream.result
    if not result.stopped:
        result.rows = rows
    result.sort_problems()
    return result


@dataclass
class ImportStream:
    """A file being read: ``rows`` yields each (row, whether it read without problems);
    ``result`` gains the columns at once and the problems, sample and count as rows are
    read (``result.rows`` stays empty). A problem that stops the read part-way (a row
    beyond the limits) leaves ``result`` holding that one problem, ``stopped`` set."""

    result: ImportResult
    rows: Iterator[tuple[ImportRow, bool]]


def stream_import(
    definition: AppDefinition,
    source: Source,
    filename: str,
    *,
    org: str | None = None,
    period: str | None = None,
    year_sets: Callable[[str], YearSet | None] | None = None,
    limits: ReadLimits | None = None,
) -> ImportStream:
    """:func:`read_import` one row at a time, from bytes, a binary file or a path. A long
    extract is read whole (its rows are grouped per practice and month)."""
    result = ImportResult()
    table = iter_table(source, filename, limits)
    try:
        header = next(table, None)
    except CellProblem as exc:
        return _stopped(result, str(exc))
    if header is None or not any(cell_text(c) for c in header[1]):
        result.problems.append(
            RowProblem(None, None, "the file is empty: row 1 must name the columns")
        )
        return ImportStream(result, iter(()))
    headers = [cell_text(c) for c in header[1]]
    if is_long_layout(definition, headers):
        try:
            whole = [header, *table]
        except CellProblem as exc:
            return _stopped(result, str(exc))
        result = read_long(
            definition, whole, org=org, period=period, year_sets=year_sets or (lambda _: None)
        )
        result.row_count = len(result.rows)
        bad = {p.row for p in result.problems}
        return ImportStream(result, ((row, row.row not in bad) for row in result.rows))
    layout = _WideLayout(result, definition, headers, org, period)
    return ImportStream(result, _wide_rows(result, definition, layout, table, org))


def _stopped(result: ImportResult, message: str) -> ImportStream:
    result.stop(RowProblem(None, None, message))
    return ImportStream(result, iter(()))


class _WideLayout:
    """What the header row of a wide file says: its columns (mapped onto ``result`` at
    once, with the header's problems), the period for every row, the required fields no
    column fills."""

    def __init__(
        self,
        result: ImportResult,
        definition: AppDefinition,
        headers: list[str],
        org: str | None,
        period: str | None,
    ) -> None:
        fields = list(iter_fields(definition.schema))
        _map_columns(result, headers, fields, definition)
        self.frequency = str(definition.period.get("frequency", "none"))
        self.period = option_period(result, period, self.frequency)
        check_org_source(result, org)
        self.by_pointer = {f.pointer: f for f in fields}
        self.missing = missing_required(definition.schema, result.columns)
        if self.missing:
            names = ", ".join(column_name(p) for p in sorted(self.missing))
            result.problems.append(RowProblem(1, None, f"required column(s) missing: {names}"))


def _wide_rows(
    result: ImportResult,
    definition: AppDefinition,
    layout: _WideLayout,
    table: Iterator[tuple[int, list[Any]]],
    org: str | None,
) -> Iterator[tuple[ImportRow, bool]]:
    missing, by_pointer, period, frequency = (
        layout.missing,
        layout.by_pointer,
        layout.period,
        layout.frequency,
    )
    try:
        for number, cells in table:
            if not any(cell_text(c) for c in cells):
                continue
            if len(result.sample) < SAMPLE_ROWS:
                result.sample.append((number, [cell_text(c) for c in cells]))
            found = len(result.problems)
            row, renames, bad = _read_row(result, number, cells, by_pointer, org, period, frequency)
            check = check_record(definition, row.data, submit=True)
            row.data = check.data
            for issue in check.issues:
                pointer = original_pointer(issue.pointer, renames)
                column = column_for(pointer, result.columns)
                if (issue.code == "required" and pointer in missing) or column in bad:
                    continue  # reported once at row 1, or the cell's own problem was reported
                result.problems.append(RowProblem(number, column, issue.message))
            result.row_count += 1
            ok = not any(p.row == number for p in result.problems[found:])
            result.keep_problems_bounded()
            yield row, ok
    except CellProblem as exc:
        result.stop(RowProblem(None, None, str(exc)))
        return
    if not result.row_count and not result.problems:
        result.problems.append(RowProblem(None, None, "the file has no rows below the header"))


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


@lru_cache(maxsize=1024)
def _field_pattern(target: str) -> str:
    """The field pointer a column's target fills: ``/courses/0/name`` → ``/courses/-/name``."""
    return re.sub(r"/\d+(?=/|$)", "/-", target)


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
    unnamed_cells(result, number, cells)
    for column in result.columns:
        value = cells[column.number] if column.number < len(cells) else None
        if column.target is None or not cell_text(value):
            continue
        if column.target == "ods":
            row.ods = cell_text(value).upper()
        elif column.target == "period":
            text = period_text(value, frequency)
            if problem := period_problem(text, frequency):
                result.problems.append(RowProblem(number, column.header, problem))
            row.period = text
        else:
            try:
                converted = convert_cell(fields[_field_pattern(column.target)], value)
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
