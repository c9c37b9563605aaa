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
file can be imported again (the header is read by
:mod:`miniapps.core.imports.wide_header`). A clinical-system extract for an app with
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
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.field_base import MISSING
from miniapps.core.imports.base import (
    SAMPLE_ROWS,
    Column,
    ImportResult,
    ImportRow,
    RowProblem,
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
    finish,
    original_pointer,
    put,
)
from miniapps.core.imports.long import is_long_layout, read_long
from miniapps.core.imports.wide_header import WideLayout
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.core.indicators.year_sets import YearSet
from miniapps.core.pointers import pointer_parts
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
    layout = WideLayout(result, definition, headers, org, period)
    return ImportStream(result, _wide_rows(result, definition, layout, table, org))


def _stopped(result: ImportResult, message: str) -> ImportStream:
    result.stop(RowProblem(None, None, message))
    return ImportStream(result, iter(()))


def _wide_rows(
    result: ImportResult,
    definition: AppDefinition,
    layout: WideLayout,
    table: Iterator[tuple[int, list[Any]]],
    org: str | None,
) -> Iterator[tuple[ImportRow, bool]]:
    missing = layout.missing
    reads = _RowReader(result, layout, org)
    try:
        for number, cells in table:
            if not any(_text(c) for c in cells):
                continue
            if len(result.sample) < SAMPLE_ROWS:
                result.sample.append((number, [cell_text(c) for c in cells]))
            found = len(result.problems)
            row, renames, bad = reads.row(number, cells)
            check = check_record(definition, row.data, submit=True)
            row.data = check.data
            for issue in check.issues:
                pointer = original_pointer(issue.pointer, renames)
                column = column_for(pointer, result.columns)
                if (issue.code == "required" and pointer in missing) or column in bad:
                    continue  # reported once at row 1, or the cell's own problem was reported
                result.problems.append(RowProblem(number, column, issue.message))
            result.row_count += 1
            ok = len(result.problems) == found or all(
                p.row != number for p in result.problems[found:]
            )
            result.keep_problems_bounded()
            yield row, ok
    except CellProblem as exc:
        result.stop(RowProblem(None, None, str(exc)))
        return
    if not result.row_count and not result.problems:
        result.problems.append(RowProblem(None, None, "the file has no rows below the header"))


def _text(value: Any) -> str:
    """:func:`cell_text`, sooner for the text cells a CSV file holds."""
    return value.strip() if type(value) is str else cell_text(value)


@lru_cache(maxsize=1024)
def _field_pattern(target: str) -> str:
    """The field pointer a column's target fills: ``/courses/0/name`` → ``/courses/-/name``."""
    return re.sub(r"/\d+(?=/|$)", "/-", target)


@dataclass(frozen=True)
class _CellRead:
    """A column that is read: its field (None for ``ods`` and ``period``) and, when it
    fills a top-level member, that member's name (set directly, no pointer walk)."""

    column: Column
    kind: str  # "ods", "period" or "field"
    field: Field | None
    member: str | None


class _RowReader:
    """Reads rows against the columns the header mapped, worked out once per file."""

    def __init__(self, result: ImportResult, layout: WideLayout, org: str | None) -> None:
        self.result = result
        self.org = org.strip().upper() if org else None
        self.period = layout.period
        self.frequency = layout.frequency
        self.fields = layout.by_pointer
        self.reads: list[_CellRead] = []
        for column in result.columns:
            target = column.target
            if target in ("ods", "period"):
                self.reads.append(_CellRead(column, target, None, None))
            elif target is not None:
                parts = pointer_parts(target)
                field = self.fields.get(_field_pattern(target))
                member = parts[0] if len(parts) == 1 and field is not None else None
                self.reads.append(_CellRead(column, "field", field, member))
        # Only a nested column (a group's or repeating section's) needs finish()'s walk.
        self.flat = all(r.member is not None for r in self.reads if r.kind == "field")
        self.named = len(result.columns)
        self.all_named = all(c.header for c in result.columns)
        self.ods_header = next((c.header for c in result.columns if c.target == "ods"), None)
        self.period_header = next((c.header for c in result.columns if c.target == "period"), None)

    def row(self, number: int, cells: list[Any]) -> tuple[ImportRow, dict[str, str], set[str]]:
        """One row's organisation, period and data; ``renames`` undoes item renumbering
        and ``bad`` names the columns whose cells could not be read (already reported)."""
        result, frequency = self.result, self.frequency
        row = ImportRow(number, self.org, self.period, {})
        bad: set[str] = set()
        if len(cells) > self.named or not self.all_named:
            unnamed_cells(result, number, cells)
        data = row.data
        for read in self.reads:
            column = read.column
            value = cells[column.number] if column.number < len(cells) else None
            if not _text(value):
                continue
            if read.kind == "ods":
                row.ods = cell_text(value).upper()
                continue
            if read.kind == "period":
                text = period_text(value, frequency)
                if problem := period_problem(text, frequency):
                    result.problems.append(RowProblem(number, column.header, problem))
                row.period = text
                continue
            field = read.field or self.fields[_field_pattern(column.target or "")]
            try:
                converted = convert_cell(field, value)
            except CellProblem as exc:
                result.problems.append(RowProblem(number, column.header, str(exc)))
                bad.add(column.header)
                continue
            if converted is MISSING:
                continue
            if read.member is not None:
                data[read.member] = converted
            else:
                put(data, column.target or "", converted)
        if row.ods is None and self.ods_header is not None:
            message = "enter the organisation's ODS code"
            result.problems.append(RowProblem(number, self.ods_header, message))
        if row.period is None and self.period_header is not None and frequency != "none":
            result.problems.append(RowProblem(number, self.period_header, "enter the period"))
        renames: dict[str, str] = {}
        if not self.flat:
            row.data = finish(data, "", renames)
        return row, renames, bad
