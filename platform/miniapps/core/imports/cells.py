"""Spreadsheet files → rows of cells → typed JSON values, for imports.

A cell is text (CSV) or a typed value (XLSX: number, boolean, date). Conversions
reuse the form widgets' ``to_json`` where the rules are the same (numbers, free
lists, date-times, choices) and add what spreadsheets need: ``yes``/``no``
booleans, ``31/03/2025`` dates, ``1,250`` numbers, ``a; b`` multiple choices.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.field_base import MISSING, choice_map, parse_number
from miniapps.core.forms.field_dates import LOCAL_ZONE, DateTimeType
from miniapps.core.forms.fields import TextareaType
from miniapps.core.imports.xlsx import ReadLimits, TableTooLarge, read_xlsx
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


def read_table(
    content: bytes, filename: str, limits: ReadLimits | None = None
) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of a CSV or the first sheet of an XLSX file, read
    within ``limits`` (rows, columns, unpacked size): beyond them, :class:`CellProblem`."""
    limits = limits or ReadLimits()
    name = filename.lower()
    if name.endswith(".xls"):
        raise CellProblem("old Excel files (.xls) cannot be read; save it as .xlsx or CSV UTF-8")
    try:
        if name.endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04":
            return read_xlsx(content, limits)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CellProblem(NOT_UTF8) from None
        return _read_csv(text, limits)
    except TableTooLarge as exc:
        raise CellProblem(str(exc)) from None


def _read_csv(text: str, limits: ReadLimits) -> list[tuple[int, list[Any]]]:
    """Rows of a CSV, each cut after its last value (a row of empty cells is empty)."""
    rows: list[tuple[int, list[Any]]] = []
    counted = 0
    lines = _bounded_lines(io.StringIO(text, newline=""), limits)
    try:
        for number, cells in enumerate(csv.reader(lines), start=1):
            last = max((i for i, c in enumerate(cells, 1) if c.strip()), default=0)
            if last and number > limits.max_rows + 1:
                raise TableTooLarge(limits.too_many_rows(number))
            if last > limits.max_columns:
                raise TableTooLarge(limits.too_many_columns(number, last))
            counted = limits.count_cells(counted, number, last)
            rows.append((number, cells[:last]))
    except csv.Error as exc:
        raise CellProblem(f"the file is not readable CSV: {exc}") from None
    return rows


def _bounded_lines(lines: Iterator[str], limits: ReadLimits) -> Iterator[str]:
    """The lines of a CSV, refusing one with so many commas that parsing it would hold
    far more cells than an import reads (a line of a million commas)."""
    for number, line in enumerate(lines, start=1):
        if line.count(",") > 10 * limits.max_columns:
            raise TableTooLarge(
                f"line {number}: an import reads at most {limits.max_columns:,} columns"
            )
        yield line
