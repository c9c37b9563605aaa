"""The first sheet of an XLSX workbook as rows of cell values, read within limits.

A workbook is a zip of XML parts, and both can lie: the ``<dimension>`` a sheet declares
(``A1:XFD1048576``) made openpyxl's read-only mode pad every row to 16,384 cells, and a
few kilobytes of zip can unpack to gigabytes. So the declared dimension is ignored, the
zip's unpacked size is checked before anything is unpacked (Python's zip reader never
returns more than an entry declares), and the sheet is streamed cell by cell: a value
beyond :attr:`ReadLimits.max_columns` or below :attr:`ReadLimits.max_rows` stops the
read with a message saying so. Only rows holding a value are kept, each as long as its
last value, so memory follows what the file holds, not what it declares.
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, iterparse

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser

Rows = list[tuple[int, list[Any]]]
EXCEL_MAX_ROWS = 1_048_576
NOT_A_WORKBOOK = "the file is not an Excel workbook (.xlsx) or CSV"


@dataclass(frozen=True)
class ReadLimits:
    """How much of a spreadsheet an import reads (config keys ``IMPORT_MAX_ROWS``,
    ``IMPORT_MAX_COLUMNS``, ``IMPORT_MAX_CELLS`` and ``IMPORT_MAX_UNPACKED_BYTES``)."""

    max_rows: int = 10_000  # rows below the header
    max_columns: int = 1_000
    max_cells: int = 1_000_000  # cells up to each row's last value, over all rows
    max_unpacked_bytes: int = 50 * 1024 * 1024  # an XLSX file's parts, unpacked
    max_parts: int = 1_000  # entries in an XLSX file's zip

    @classmethod
    def from_mapping(cls, values: Any) -> ReadLimits:
        """The limits in a configuration mapping (``IMPORT_MAX_ROWS`` ...), else defaults."""
        default = cls()
        return cls(
            max_rows=int(values.get("IMPORT_MAX_ROWS") or default.max_rows),
            max_columns=int(values.get("IMPORT_MAX_COLUMNS") or default.max_columns),
            max_cells=int(values.get("IMPORT_MAX_CELLS") or default.max_cells),
            max_unpacked_bytes=int(
                values.get("IMPORT_MAX_UNPACKED_BYTES") or default.max_unpacked_bytes
            ),
        )

    def too_many_rows(self, number: int) -> str:
        return (
            f"row {number}: an import reads at most {self.max_rows:,} rows below the header; "
            "split the file into smaller ones"
        )

    def too_many_columns(self, number: int, column: int) -> str:
        return (
            f"row {number}, column {get_column_letter(column)}: an import reads at most "
            f"{self.max_columns:,} columns; delete the columns beyond that"
        )

    def too_many_cells(self, number: int) -> str:
        return (
            f"row {number}: an import reads at most {self.max_cells:,} cells; "
            "split the file into smaller ones"
        )

    def count_cells(self, counted: int, number: int, width: int) -> int:
        """``counted`` plus a row of ``width`` cells, refusing the row that passes the limit."""
        counted += width
        if counted > self.max_cells:
            raise TableTooLarge(self.too_many_cells(number))
        return counted


class TableTooLarge(ValueError):
    """The file is beyond the import's limits, or not a readable workbook; the message
    says which (and where)."""


# What a damaged or hand-made workbook raises while it is opened or a part unpacked (a
# corrupt deflate stream, an unknown compression method, a truncated part).
DAMAGED_ZIP: tuple[type[Exception], ...] = (
    InvalidFileException,
    SyntaxError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    OSError,
    ValueError,
    IndexError,
    TypeError,
)


def read_xlsx(content: bytes | BinaryIO, limits: ReadLimits) -> Rows:
    """(row number, values) of each row of the first sheet that holds a value, and row 1."""
    return list(iter_xlsx(content, limits))


def iter_xlsx(content: bytes | BinaryIO, limits: ReadLimits) -> Iterator[tuple[int, list[Any]]]:
    """:func:`read_xlsx` one row at a time (from bytes or a seekable binary file)."""
    source: BinaryIO = io.BytesIO(content) if isinstance(content, bytes) else content
    _check_zip(source, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles other tools write
        try:
            book = load_workbook(source, read_only=True, data_only=True)
        except DAMAGED_ZIP:
            raise TableTooLarge(NOT_A_WORKBOOK) from None
        try:
            if not book.worksheets:
                raise TableTooLarge(NOT_A_WORKBOOK)
            yield from _iter_sheet(book, book.worksheets[0], limits)
        except DAMAGED_ZIP as exc:
            if isinstance(exc, TableTooLarge):
                raise
            raise TableTooLarge(NOT_A_WORKBOOK) from None
        finally:
            book.close()


def _check_zip(source: BinaryIO, limits: ReadLimits) -> None:
    """Refuse a zip bomb from its directory, before unpacking anything."""
    position = source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except DAMAGED_ZIP:
        raise TableTooLarge(NOT_A_WORKBOOK) from None
    finally:
        source.seek(position)
    if len(parts) > limits.max_parts:
        raise TableTooLarge(f"the workbook has more than {limits.max_parts:,} parts")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        megabytes = limits.max_unpacked_bytes // (1024 * 1024)
        raise TableTooLarge(
            f"the workbook unpacks to more than {megabytes:,} MB; save it as CSV UTF-8 "
            "or split it into smaller files"
        )


def _iter_sheet(book: Any, sheet: Any, limits: ReadLimits) -> Iterator[tuple[int, list[Any]]]:
    # The cell decoding (shared strings, dates, booleans) is openpyxl's own; only the loop
    # over the XML is ours, so that nothing is built for cells it declares but never fills.
    parser = WorkSheetParser(
        io.BytesIO(),  # the source is streamed below, not through the parser
        book.shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    counted = 0
    first = True
    with book._archive.open(sheet._worksheet_path) as source:
        for number, cells in _stream_rows(parser, source, limits):
            if number == 1 or cells:
                counted = limits.count_cells(counted, number, len(cells))
                if first and number != 1:
                    yield 1, []
                first = False
                yield number, cells
    if first:
        yield 1, []


def _stream_rows(
    parser: WorkSheetParser, source: Any, limits: ReadLimits
) -> Iterator[tuple[int, list[Any]]]:
    """Each ``<row>`` as (number, values up to its last value). Every element is dropped
    from its parent once read (a cell's own parts only with the cell), so memory holds
    the values, never the XML."""
    parents: list[Element] = []
    push, pop = parents.append, parents.pop
    in_cell = 0
    cells_seen = 0  # every <c>, empty or not: a flood of empty cells costs time too
    values: dict[int, Any] = {}
    for event, element in iterparse(source, events=("start", "end")):
        tag = element.tag
        if event == "start":
            push(element)
            if tag == CELL_TAG:
                in_cell += 1
                cells_seen += 1
                if cells_seen > 2 * limits.max_cells:
                    raise TableTooLarge(limits.too_many_cells(parser.row_counter))
            elif tag == ROW_TAG:
                values = {}
                parser.row_counter = _row_number(element, parser.row_counter)
                parser.col_counter = 0
            continue
        pop()
        if tag == CELL_TAG:
            in_cell -= 1
            if len(element):  # a cell without <v> or <is> holds nothing
                _take_cell(parser, parser.parse_cell(element), values, limits)
            elif element.get("r"):
                parser.parse_cell(element)  # only to follow the column count
            else:
                parser.col_counter += 1
        elif tag == ROW_TAG:
            yield parser.row_counter, _padded(values)
            values = {}
        if not in_cell and parents:
            parents[-1].remove(element)


def _take_cell(
    parser: WorkSheetParser, cell: dict[str, Any], values: dict[int, Any], limits: ReadLimits
) -> None:
    value = cell["value"]
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if cell["column"] > limits.max_columns:
        raise TableTooLarge(limits.too_many_columns(parser.row_counter, cell["column"]))
    if parser.row_counter > limits.max_rows + 1:
        raise TableTooLarge(limits.too_many_rows(parser.row_counter))
    values[cell["column"]] = value


def _row_number(element: Element, previous: int) -> int:
    text = element.get("r")
    if text is None:
        return previous + 1
    try:
        number = int(float(text))
    except ValueError:
        raise TableTooLarge(f"the workbook's row number {text[:20]!r} is not a number") from None
    if not 1 <= number <= EXCEL_MAX_ROWS:
        raise TableTooLarge(f"the workbook's row number {number} is not a row")
    return number


def _padded(values: dict[int, Any]) -> list[Any]:
    if not values:
        return []
    cells: list[Any] = [None] * max(values)
    for column, value in values.items():
        cells[column - 1] = value
    return cells
