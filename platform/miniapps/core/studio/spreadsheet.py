"""A spreadsheet of examples → an app definition: one field per column.

Row 1 is the header (each heading becomes a field's title, and its machine name is made
from it); the rows below are examples, from which each field's type is inferred
(:mod:`miniapps.core.studio.column_types`) and which make a field required when every
example row fills it; a column headed ``ods`` (or ``ODS code``) is each row's organisation
when the examples are imported, not a field. The file is read by the import reader
(:func:`read_table`, within :data:`SPREADSHEET_LIMITS`), so the examples can be imported
into the published app as they are. Anything the examples must not hold is refused, with
every problem named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl.utils import get_column_letter

from miniapps.core.imports.base import ODS_HEADERS
from miniapps.core.imports.cells import CellProblem, cell_text, read_table
from miniapps.core.imports.xlsx import NOT_A_WORKBOOK, ReadLimits
from miniapps.core.studio.column_types import field_names, field_schema
from miniapps.core.studio.sheet_checks import BROKEN, is_workbook, workbook_problems

SPREADSHEET_LIMITS = ReadLimits(max_rows=50_000, max_columns=1_000)
MAX_FILE_BYTES = 50 * 1024 * 1024
SUFFIXES = (".xlsx", ".xlsm", ".csv")
APP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_TITLE = 200


class SpreadsheetRefused(ValueError):
    """The file cannot become an app; ``lines`` name each problem and its place."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass
class Drafted:
    """The definition made from a spreadsheet, and how many example rows it read."""

    definition: dict[str, Any]
    examples: int
    columns: list[str] = field(default_factory=list)  # each field's column letter
    organisation_column: str | None = None  # the ods column's letter: not a field


def id_problem(app_id: str) -> str | None:
    """Why ``app_id`` is not an app id, or None."""
    if not APP_ID.match(app_id) or len(app_id) > 64:
        return (
            f"the id {app_id[:70]!r} must be lower-case letters, digits and underscores, "
            "starting with a letter, at most 64 long (like staff_training)"
        )
    return None


def title_from_filename(filename: str) -> str:
    """``staff-training_2025.xlsx`` → ``Staff training 2025``."""
    words = " ".join(re.split(r"[\s_-]+", PurePath(filename).stem)).strip()
    return (words[:1].upper() + words[1:])[:MAX_TITLE] or "New app"


def definition_from_spreadsheet(
    content: bytes, filename: str, app_id: str, title: str | None = None
) -> Drafted:
    """The app definition the spreadsheet ``content`` (named ``filename``) describes.

    Raises :class:`SpreadsheetRefused` naming every problem: not a workbook or CSV, beyond
    the limits, no header, blank or repeated headings, merged header cells, formulas.
    """
    problem = id_problem(app_id)
    if problem:
        raise SpreadsheetRefused([problem])
    title = (title if title is not None else title_from_filename(filename)).strip()
    if not title or len(title) > MAX_TITLE:
        raise SpreadsheetRefused([f"the title must be 1 to {MAX_TITLE} characters"])
    rows = _read(content, filename)
    headers, examples = _columns(rows)
    organisation = next((i for i, h in headers if h.casefold() in ODS_HEADERS), None)
    named = zip(headers, field_names([h for _, h in headers]), strict=True)
    fields = [(column, name) for column, name in named if column[0] != organisation]
    properties: dict[str, Any] = {}
    required: list[str] = []
    for (index, header), name in fields:
        values = [cells[index] for cells in examples if _filled(cells, index)]
        properties[name] = field_schema(header, values)
        if examples and len(values) == len(examples):
            required.append(name)
    schema: dict[str, Any] = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    definition = {
        "id": app_id,
        "title": title,
        "version": 1,
        "description": f"Made from the spreadsheet {PurePath(filename).name}.",
        "schema": schema,
    }
    letters = [get_column_letter(index + 1) for (index, _), _ in fields]
    ods_letter = get_column_letter(organisation + 1) if organisation is not None else None
    return Drafted(definition, len(examples), letters, ods_letter)


def _read(content: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetRefused(
            [f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it"]
        )
    workbook = is_workbook(content, filename)
    if not workbook and not filename.lower().endswith(SUFFIXES):
        raise SpreadsheetRefused([NOT_A_WORKBOOK])
    if not content.strip():
        raise SpreadsheetRefused(["the file is empty: put the headings in row 1"])
    try:
        if not workbook and b"\x00" in content:
            raise CellProblem(NOT_A_WORKBOOK)
        rows = read_table(content, filename, SPREADSHEET_LIMITS)
    except CellProblem as exc:
        raise SpreadsheetRefused([str(exc)]) from None
    except BROKEN:  # the import reader lets a damaged zip's own errors through
        raise SpreadsheetRefused([NOT_A_WORKBOOK]) from None
    if workbook and (problems := workbook_problems(content)):
        raise SpreadsheetRefused(problems)
    return rows


def _columns(rows: list[tuple[int, list[Any]]]) -> tuple[list[tuple[int, str]], list[list[Any]]]:
    """((column index, heading) of each column to keep, the example rows' cells)."""
    header_cells = rows[0][1] if rows and rows[0][0] == 1 else []
    headings = [cell_text(c) for c in header_cells]
    examples = [cells for number, cells in rows if number > 1 and cells]
    if not any(headings):
        where = "the file is empty" if not examples else "row 1 is empty"
        raise SpreadsheetRefused([f"{where}: put one heading per column in row 1 (the header)"])
    width = max([len(headings)] + [len(cells) for cells in examples])
    seen: dict[str, str] = {}
    kept: list[tuple[int, str]] = []
    problems: list[str] = []
    for index in range(width):
        letter = get_column_letter(index + 1)
        heading = headings[index] if index < len(headings) else ""
        if not heading:
            if any(_filled(cells, index) for cells in examples):
                problems.append(
                    f"column {letter}: the heading (row 1) is blank but rows below hold "
                    "values; give the column a heading"
                )
            continue
        folded = heading.casefold()
        if folded in seen:
            problems.append(
                f"column {letter}: the heading {heading!r} repeats column {seen[folded]}'s; "
                "give each column its own heading"
            )
            continue
        seen[folded] = letter
        kept.append((index, heading))
    if problems:
        raise SpreadsheetRefused(problems)
    return kept, examples


def _filled(cells: list[Any], index: int) -> bool:
    if index >= len(cells):
        return False
    value = cells[index]
    return value is not None and not (isinstance(value, str) and not value.strip())
