"""The one rule for cells a spreadsheet will open, and the writers that apply it.

Every CSV or XLSX export (record exports, dashboard CSV downloads) writes its cells through
:func:`safe_cell`, so that an answer such as ``=1+1`` or ``@SUM(A1)`` arrives as text,
never as a formula (CSV injection; OWASP recommends the ``'`` prefix used here).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from openpyxl.cell import WriteOnlyCell

from miniapps.core.records.value_safety import scrub_text, xml_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, may strip the character and then read one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with text that starts like a formula prefixed by ``'``.

    Only text changes: numbers (a negative one included), booleans, dates and ``None``
    are returned as they are, so they keep their type in the export.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def plain_text(value: Any) -> str:
    """A cell's CSV text: empty for ``None``, else ``str(value)``."""
    return "" if value is None else str(value)


def csv_text(
    header: Iterable[Any],
    rows: Iterable[Iterable[Any]],
    text: Callable[[Any], str] = plain_text,
) -> str:
    """CSV text (``\\r\\n`` line ends), header included, every cell through :func:`safe_cell`.

    ``text`` turns each made-safe value into the text written; it must not turn a value that
    is not text into text starting like a formula (a negative number is fine: it is one).
    A lone surrogate (stored before the record check refused it) becomes U+FFFD, so the
    text always encodes as UTF-8.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([scrub_text(text(safe_cell(v))) for v in header])
    writer.writerows([scrub_text(text(safe_cell(v))) for v in row] for row in rows)
    return out.getvalue()


def xlsx_append(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append one row to an openpyxl worksheet, every cell through :func:`safe_cell`.

    Text goes into a string cell: openpyxl would otherwise store text starting with ``=``
    as a formula and ``#N/A`` and the like as error values. Characters an XLSX file (XML)
    cannot hold, such as a vertical tab or a lone surrogate, become U+FFFD.
    """
    row: list[Any] = []
    for value in values:
        value = safe_cell(value)
        if isinstance(value, float) and not math.isfinite(value):
            value = None  # stored before the record check refused it; Excel has no Infinity
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, xml_text(value))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    sheet.append(row)
