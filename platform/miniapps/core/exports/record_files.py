"""Streaming writers for record exports: CSV, XLSX and JSON written to binary files as the
records arrive, never holding more than one chunk (about 1 MB) of output.

Each writer takes the records as an iterable (a database cursor, read once) and writable
binary files. CSV and XLSX need every column before their first row, and a record may hold
a member the definition does not name (see :mod:`miniapps.core.exports.layout`): the
``write_*_files`` functions therefore take a callable that reads the records afresh, and
when a pass met such a member they empty the outputs and write again with it as a column
(at most :data:`MAX_PASSES` times). JSON has no columns and is always written in one pass.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports.cells import safe_cell
from miniapps.core.exports.layout import (
    MAIN,
    ExportItem,
    ExportLayout,
    iso,
    plan_layout,
    scalar_text,
)
from miniapps.core.exports.xlsx_stream import StreamingWorkbook
from miniapps.core.records.value_safety import scrub_text, scrub_value, xml_text

XLSX_MAIN_SHEET = "records"
MAX_PASSES = 3
OpenItems = Callable[[], Iterable[ExportItem]]
_FLUSH_CHARS = 1 << 20
# A field whose text starts like a formula, in a written CSV line (a negative number
# matches too: such a line is rewritten cell by cell, which leaves numbers alone).
_FIELD_STARTS_LIKE_FORMULA = re.compile(r',"?[=+\-@\t\r]')  # the first field: apart
_FIRST_FIELD_LIKE_FORMULA = re.compile(r'"?[=+\-@\t\r]')
_NONE = type(None)
_PLAIN = frozenset({str, int, float, _NONE})


class UnsettledColumns(RuntimeError):
    """New members kept appearing pass after pass (records changing under the export)."""


@dataclass
class WriteResult:
    records: int
    unseen: dict[str, list[str]]  # table name → member names met without a column


def write_complete(
    layout: ExportLayout,
    open_items: OpenItems,
    write: Callable[[ExportLayout, Iterable[ExportItem]], WriteResult],
    rewind: Callable[[], None],
) -> int:
    """Run ``write`` until a pass meets no member without a column; the record count."""
    for _ in range(MAX_PASSES):
        result = write(layout, open_items())
        if not any(result.unseen.values()):
            return result.records
        layout = layout.with_extras(result.unseen)
        rewind()
    raise UnsettledColumns("the records' members kept changing during the export")


def write_csv_files(
    definition: AppDefinition,
    open_items: OpenItems,
    outputs: Mapping[str, IO[bytes]],
    *,
    bom: bool = False,
) -> int:
    """CSV tables into ``outputs`` by table name (``""`` main, ``courses`` a section);
    every output must be seekable unless the definition has no repeating section and
    ``open_items`` gives records the definition fully names."""

    def rewind() -> None:
        for out in outputs.values():
            out.seek(0)
            out.truncate()

    return write_complete(
        plan_layout(definition),
        open_items,
        lambda lay, it: write_csv(lay, it, outputs, bom=bom),
        rewind,
    )


def write_xlsx_file(definition: AppDefinition, open_items: OpenItems, out: IO[bytes]) -> int:
    """An XLSX workbook into ``out`` (seekable): ``records``, then one sheet per section."""

    def rewind() -> None:
        out.seek(0)
        out.truncate()

    return write_complete(
        plan_layout(definition), open_items, lambda lay, it: write_xlsx(lay, it, out), rewind
    )


def write_csv(
    layout: ExportLayout,
    items: Iterable[ExportItem],
    outputs: Mapping[str, IO[bytes]],
    *,
    bom: bool = False,
) -> WriteResult:
    """One pass: every table as CSV (``\\r\\n`` line ends), cells through :func:`safe_cell`."""
    tables = [_CsvTable(outputs[t.name], bom) for t in layout.tables]
    for table, written in zip(layout.tables, tables, strict=True):
        written.write_checked(table.headers)
    unseen: dict[str, dict[str, None]] = {}
    records = 0
    for index, meta, values in layout.rows(items, unseen):
        if index == 0:
            records += 1
            meta = [scalar_text(safe_cell(v)) for v in meta]
        tables[index].write(meta + values)
    for written in tables:
        written.flush()
    return WriteResult(records, {name: list(keys) for name, keys in unseen.items()})


class _CsvTable:
    """One CSV file: rows made into text by :mod:`csv`, encoded and written per chunk."""

    def __init__(self, out: IO[bytes], bom: bool) -> None:
        self._out, self._size = out, 0
        self._lines: list[str] = []
        self._writer = csv.writer(_Lines(self._lines), lineterminator="\r\n")
        if bom:
            out.write(b"\xef\xbb\xbf")

    def write(self, row: list[Any]) -> None:
        """One row. Text, numbers and empty cells are joined in C; a line with a cell to
        quote is left to :mod:`csv`, one with a cell that may start like a formula (or a
        cell of another type) is written cell by cell: the same text either way."""
        types = set(map(type, row))
        if bool in types:
            row = [("true" if v else "false") if v.__class__ is bool else v for v in row]
            types.discard(bool)
        if not types <= _PLAIN or len(row) < 2:
            return self.write_checked(row)
        cells = ["" if v is None else v for v in row] if _NONE in types else row
        line = ",".join(map(str, cells))
        if line.count(",") != len(row) - 1 or '"' in line or "\r" in line or "\n" in line:
            self._writer.writerow(cells)  # a cell needs quotes: csv decides which
            line = self._lines.pop()
        else:
            line += "\r\n"
        if _FIRST_FIELD_LIKE_FORMULA.match(line) or _FIELD_STARTS_LIKE_FORMULA.search(line):
            return self.write_checked(row)
        self._lines.append(line)
        self._grown()

    def write_checked(self, row: Sequence[Any]) -> None:
        """A row written cell by cell: the slow, always right way."""
        self._writer.writerow([scalar_text(safe_cell(v)) for v in row])
        self._grown()

    def _grown(self) -> None:
        self._size += len(self._lines[-1])
        if self._size > _FLUSH_CHARS:
            self.flush()

    def flush(self) -> None:
        text = "".join(self._lines)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, stored before the check refused it
            data = scrub_text(text).encode("utf-8")
        self._out.write(data)
        self._lines.clear()
        self._size = 0


class _Lines:
    """A file for :func:`csv.writer` that keeps each written line apart."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def write_xlsx(layout: ExportLayout, items: Iterable[ExportItem], out: IO[bytes]) -> WriteResult:
    """One pass: the ``records`` sheet and one sheet per repeating section."""
    used: set[str] = set()
    titles = [sheet_title(t.name or XLSX_MAIN_SHEET, used) for t in layout.tables]
    book = StreamingWorkbook(out, titles)
    try:
        dates = [[False] * len(t.meta) + [c.is_date for c in t.columns] for t in layout.tables]
        for table, sheet in zip(layout.tables, book.sheets, strict=True):
            sheet.append(table.headers)
        unseen: dict[str, dict[str, None]] = {}
        records = 0
        for index, meta, values in layout.rows(items, unseen):
            records += index == 0
            book.sheets[index].append(meta + values, dates[index])
    except BaseException:
        book.abandon()
        raise
    book.close()
    return WriteResult(records, {name: list(keys) for name, keys in unseen.items()})


def sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("." if ch in "[]:*?/\\" else ch for ch in xml_text(name))[:31]
    title, n = clean, 2
    while title.lower() in used:
        title = f"{clean[:28]}~{n}"
        n += 1
    used.add(title.lower())
    return title


def write_json(items: Iterable[ExportItem], out: IO[bytes]) -> int:
    """A JSON list of whole records, shaped like the API's record answers, written record by
    record (the same text as ``json.dumps(list, indent=2)``); the record count."""
    count = 0
    out.write(b"[")
    for record, ods, org_name, submitter in items:
        answer = {
            "id": record.id,
            "app": record.app_id,
            "app_version": record.app_version,
            "org": ods,
            "organisation": org_name,
            "period": record.period,
            "status": record.status,
            "version": record.version,
            "submitted_by": submitter,
            "created_at": iso(record.created_at),
            "updated_at": iso(record.updated_at),
            "submitted_at": iso(record.submitted_at),
            "data": record.data,
        }
        out.write((b",\n  " if count else b"\n  ") + _json_item(answer))
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count


def _json_item(answer: dict[str, Any]) -> bytes:
    # Exact data, no safe_cell: JSON is not opened as a spreadsheet, so nothing runs. A lone
    # surrogate or Infinity stored before the check refused them is shown as U+FFFD and null.
    try:
        text = json.dumps(answer, ensure_ascii=False, indent=2, allow_nan=False)
        data = text.encode("utf-8")
    except ValueError:  # UnicodeEncodeError included
        text = json.dumps(scrub_value(answer), ensure_ascii=False, indent=2, allow_nan=False)
        data = text.encode("utf-8")
    return data.replace(b"\n", b"\n  ")


def csv_file_names(base: str, names: Iterable[str]) -> dict[str, str]:
    """File names for the CSV tables: ``export.csv``, ``export.courses.csv``."""
    stem = base.removesuffix(".csv")
    return {n: f"{stem}.csv" if n == MAIN else f"{stem}.{n.replace('/', '.')}.csv" for n in names}


def zip_csv_files(files: Mapping[str, IO[bytes]], base: str, out: IO[bytes]) -> None:
    """The written CSV tables (read from the start) in one ZIP, named after ``base``."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file_name in csv_file_names(base, files).items():
            files[name].seek(0)
            with archive.open(file_name, "w", force_zip64=True) as member:
                shutil.copyfileobj(files[name], member, 1 << 20)


def write_download(
    definition: AppDefinition,
    fmt: str,
    open_items: OpenItems,
    out: IO[bytes],
    base: str,
    spool: Callable[[], IO[bytes]] = tempfile.TemporaryFile,
) -> tuple[str, int]:
    """The file a browser downloads into ``out`` (seekable): JSON, an XLSX workbook, one CSV
    with a byte order mark, or a ZIP of CSV files (``base.csv``, ``base.courses.csv``)
    when there are repeating sections. Returns the file type written and the record count."""
    if fmt == "json":
        return "json", write_json(open_items(), out)
    if fmt == "xlsx":
        return "xlsx", write_xlsx_file(definition, open_items, out)
    names = plan_layout(definition).names
    if len(names) == 1:
        return "csv", write_csv_files(definition, open_items, {MAIN: out}, bom=True)
    files = {name: spool() for name in names}
    try:
        count = write_csv_files(definition, open_items, files, bom=True)
        zip_csv_files(files, f"{base}.csv", out)
    finally:
        for file in files.values():
            file.close()
    return "zip", count
