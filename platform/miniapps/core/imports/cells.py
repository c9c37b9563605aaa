"""Spreadsheet files → rows of cells → typed JSON values, for imports.

A cell is text (CSV) or a typed value (XLSX: number, boolean, date). Conversions
reuse the form widgets' ``to_json`` where the rules are the same (numbers, free
lists, date-times, choices) and add what spreadsheets need: ``yes``/``no``
booleans, ``31/03/2025`` dates, ``1,250`` numbers, ``a; b`` multiple choices.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, BinaryIO

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.field_base import MISSING, choice_map, parse_number
from miniapps.core.forms.field_dates import LOCAL_ZONE, DateTimeType
from miniapps.core.forms.fields import TextareaType
from miniapps.core.imports.xlsx import ReadLimits, TableTooLarge, iter_xlsx
from miniapps.core.json_text import loads_bounded
from miniapps.core.records.schema_issues import lower_first

TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})
UK_DATE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
LIST_SEPARATOR = re.compile(r"[;\n]")
NOT_UTF8 = "the file is not UTF-8 text; save it as CSV UTF-8"


class CellProblem(ValueError):
    """A cell that cannot be turned into a value; the message says what to enter."""


def cell_text(value: Any) -> str:
    """A cell as trimmed text (``3.0`` → ``3``, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def convert_cell(field: Field, value: Any) -> Any:
    """The JSON value of one cell for ``field``; :data:`MISSING` when empty.

    Text that does not convert is kept as text so that validation names the
    problem in the same words as the form; :class:`CellProblem` is raised only
    where validation could not word it well (booleans, dates, JSON cells).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return MISSING
    kind = field.kind
    if kind in ("integer", "number"):
        return _number(field, value)
    if kind == "boolean":
        return _boolean(field, value)
    if kind == "enum":
        return _choice(field, value)
    if kind == "multi_enum":
        parts = [p.strip() for p in LIST_SEPARATOR.split(cell_text(value)) if p.strip()]
        return [_choice(field, p) for p in parts] or MISSING
    if kind == "array":
        lines = "\n".join(LIST_SEPARATOR.split(cell_text(value)))
        return TextareaType().to_json(lines, field)
    if kind in ("object", "repeat"):
        return _json_cell(field, value)
    fmt = field.schema.get("format")
    if fmt == "date":
        return _date(field, value)
    if fmt == "date-time":
        return _date_time(value)
    return cell_text(value)


def _number(field: Field, value: Any) -> Any:
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int | float):
        return int(value) if field.kind == "integer" and float(value).is_integer() else value
    text = cell_text(value).replace(",", "").replace(" ", "")
    return parse_number(text, field.kind == "integer")


def _boolean(field: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellProblem(f"Enter yes or no for {lower_first(field.title)}")


def _choice(field: Field, value: Any) -> Any:
    """A choice by its stored value or its label, ignoring case; unknown text is kept."""
    text = cell_text(value)
    mapping = choice_map(field)
    if text in mapping:
        return mapping[text]
    folded = text.casefold()
    for stored, label in field.choices:
        if folded in (str(stored).casefold(), label.casefold()):
            return stored
    return text


def _date(field: Field, value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = cell_text(value)
    match = UK_DATE.match(text)
    parts: tuple[str | Any, ...] | None = (
        (match.group(3), match.group(2), match.group(1)) if match else None
    )
    if parts is None and (iso := ISO_DATE.match(text)):
        parts = iso.groups()
    try:
        if parts is None or (match and match.group(4)):
            raise ValueError(text)
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        raise CellProblem(
            f"Enter {lower_first(field.title)} as a real date, like 31/03/2025 or 2025-03-31"
        ) from None


def _date_time(value: Any) -> Any:
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=LOCAL_ZONE)
        return local.isoformat()
    text = cell_text(value)
    if match := UK_DATE.match(text):
        day, month, year, hour, minute, second = match.groups()
        if hour is not None:
            text = f"{year}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{minute}"
            text += f":{second}" if second else ""
    elif re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text):
        text = text.replace(" ", "T", 1)
    return DateTimeType().to_json(text, Field("", "", {}, "string", False, ""))


def _json_cell(field: Field, value: Any) -> Any:
    expected = dict if field.kind == "object" else list
    try:
        parsed = loads_bounded(cell_text(value))  # no 1e400, nested at most 64 deep
    except ValueError:
        parsed = None
    if not isinstance(parsed, expected):
        example = "courses/1/name" if field.kind == "repeat" else "address/postcode"
        raise CellProblem(
            f"Enter {field.title} as JSON, or use one column per question (like {example})"
        )
    return parsed


Source = bytes | BinaryIO | str | os.PathLike[str]


def read_table(
    content: bytes, filename: str, limits: ReadLimits | None = None
) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of a CSV or the first sheet of an XLSX file, read
    within ``limits`` (rows, columns, unpacked size): beyond them, :class:`CellProblem`."""
    return list(iter_table(content, filename, limits))


def iter_table(
    source: Source, filename: str, limits: ReadLimits | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """:func:`read_table` one row at a time, from bytes, a binary file or a path: a big
    CSV is never held whole (nor an XLSX sheet's rows). A problem met part-way (a row
    beyond ``limits``, text that is not UTF-8) raises :class:`CellProblem` there."""
    limits = limits or ReadLimits()
    name = filename.lower()
    if name.endswith(".xls"):
        raise CellProblem("old Excel files (.xls) cannot be read; save it as .xlsx or CSV UTF-8")
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as opened:
            yield from iter_table(opened, filename, limits)
        return
    binary: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        if name.endswith((".xlsx", ".xlsm")) or _first_bytes(binary) == b"PK\x03\x04":
            yield from iter_xlsx(binary, limits)
            return
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            yield from _iter_csv(text, limits)
        except UnicodeDecodeError:
            raise CellProblem(NOT_UTF8) from None
        finally:
            text.detach()  # the caller's file stays open: closing it is the caller's
    except TableTooLarge as exc:
        raise CellProblem(str(exc)) from None


def _first_bytes(binary: BinaryIO) -> bytes:
    """The file's first four bytes (the XLSX zip signature), leaving it where it was."""
    position = binary.tell()
    first = binary.read(4)
    binary.seek(position)
    return first


def _iter_csv(text: Iterator[str], limits: ReadLimits) -> Iterator[tuple[int, list[Any]]]:
    """Rows of a CSV, each cut after its last value (a row of empty cells is empty)."""
    counted = 0
    read: list[str] = []  # lines read since the previous row
    row_lines: list[str] = []  # the lines of the last row, for the check below
    lines = _bounded_lines(text, limits, read)
    number = 0
    try:
        for number, cells in enumerate(csv.reader(lines), start=1):
            row_lines = read[:]
            read.clear()
            last = max((i for i, c in enumerate(cells, 1) if c.strip()), default=0)
            if last and number > limits.max_rows + 1:
                raise TableTooLarge(limits.too_many_rows(number))
            if last > limits.max_columns:
                raise TableTooLarge(limits.too_many_columns(number, last))
            counted = limits.count_cells(counted, number, last)
            yield number, cells[:last]
    except csv.Error as exc:
        raise CellProblem(f"the file is not readable CSV: {exc}") from None
    _refuse_cut_off_quote(number, row_lines)


def _refuse_cut_off_quote(number: int, last_lines: list[str]) -> None:
    """A file cut off inside a quoted cell (a copy or upload that stopped part-way): the
    lenient reader takes the cell as complete, so the last row is read again strictly."""
    try:
        for _ in csv.reader(last_lines, strict=True):
            pass
    except csv.Error:
        raise CellProblem(
            f'row {number}: the file ends inside a quoted cell (a closing " is missing): '
            "it may have been cut off; check the file is complete"
        ) from None


def _bounded_lines(lines: Iterator[str], limits: ReadLimits, read: list[str]) -> Iterator[str]:
    """The lines of a CSV, refusing one with so many commas that parsing it would hold
    far more cells than an import reads (a line of a million commas)."""
    for number, line in enumerate(lines, start=1):
        if line.count(",") > 10 * limits.max_columns:
            raise TableTooLarge(
                f"line {number}: an import reads at most {limits.max_columns:,} columns"
            )
        read.append(line)
        yield line
