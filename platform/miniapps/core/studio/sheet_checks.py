"""What an XLSX workbook can hold that a spreadsheet of examples must not: formulas, merged
header cells, and a hidden first sheet.

The import reader (:func:`miniapps.core.imports.xlsx.read_xlsx`) reads cached values and
never looks at formulas or merges, so these are found by one more streamed pass over the
first sheet's XML, run only after that reader has checked the zip's unpacked size.
"""

from __future__ import annotations

import io
import warnings
from typing import Any
from xml.etree.ElementTree import Element, iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from miniapps.core.imports.xlsx import DAMAGED_ZIP, NOT_A_WORKBOOK

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CELL, FORMULA, ROW, MERGE = f"{MAIN}c", f"{MAIN}f", f"{MAIN}row", f"{MAIN}mergeCell"
SHOWN = 5  # formulas named one by one; the rest are counted
# What reading a damaged or unusual workbook can raise (the import reader's list).
BROKEN = DAMAGED_ZIP


def is_workbook(content: bytes, filename: str) -> bool:
    """Whether the import reader reads ``content`` as XLSX (by name or zip signature)."""
    return filename.lower().endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04"


def workbook_problems(content: bytes) -> list[str]:
    """Lines naming each cell of the first sheet that the examples cannot hold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles other tools write
        try:
            book: Any = load_workbook(io.BytesIO(content), read_only=True)
        except BROKEN:
            return [NOT_A_WORKBOOK]
    try:
        sheet = book.worksheets[0]
        if sheet.sheet_state != "visible":
            return [
                f"the first sheet, {sheet.title!r}, is hidden: the examples must be on the "
                "first sheet and visible; unhide it or move the examples there"
            ]
        with book._archive.open(sheet._worksheet_path) as source:
            return _scan(source)
    except BROKEN:
        return [NOT_A_WORKBOOK]
    finally:
        book.close()


def _scan(source: Any) -> list[str]:
    formulas: list[str] = []
    merged: list[str] = []
    parents: list[Element] = []
    in_cell = 0
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            parents.append(element)
            in_cell += element.tag == CELL
            continue
        parents.pop()
        if element.tag == CELL:
            in_cell -= 1
            if element.find(FORMULA) is not None:
                formulas.append(element.get("r") or "?")
        elif element.tag == MERGE:
            ref = element.get("ref") or ""
            try:
                top = range_boundaries(ref)[1]
            except (TypeError, ValueError):
                top = None
            if top == 1:
                merged.append(ref)
        if not in_cell and parents:
            parents[-1].remove(element)  # memory holds what was found, never the XML
    return _formula_lines(formulas) + [
        f"cells {ref} of the header (row 1) are merged: unmerge them and give each "
        "column its own heading"
        for ref in merged
    ]


def _formula_lines(cells: list[str]) -> list[str]:
    lines = [
        f"cell {ref} holds a formula: replace formulas with their values "
        "(copy, then paste special, values)"
        for ref in cells[:SHOWN]
    ]
    if len(cells) > SHOWN:
        lines.append(f"... and {len(cells) - SHOWN:,} more cells holding formulas")
    return lines
