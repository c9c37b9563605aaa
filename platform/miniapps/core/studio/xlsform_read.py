"""Read an XLSForm workbook's sheets (from bytes, with pyxform's reader), keeping row numbers."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pyxform.errors import PyXFormError, PyXFormReadError  # type: ignore[import-untyped]
from pyxform.xls2json_backends import (  # type: ignore[import-untyped]
    xls_to_dict,
    xlsx_to_dict,
)

SHEETS = ("survey", "choices", "settings")
_OLE = b"\xd0\xcf\x11\xe0"  # how every .xls file starts


@dataclass(frozen=True)
class Sheet:
    """One sheet: its header (as written, in order) and its rows; ``rows[i]`` is row ``i + 2``."""

    name: str
    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)

    @staticmethod
    def row_number(index: int) -> int:
        return index + 2


class WorkbookUnreadable(Exception):
    """The file is not an XLSForm workbook pyxform can read (the message says why)."""


def read_workbook(data: bytes) -> dict[str, Sheet]:
    """The ``survey``, ``choices`` and ``settings`` sheets of a workbook (those present).

    Raises :class:`WorkbookUnreadable` for anything that is not a readable workbook or has
    no ``survey`` sheet; never anything else.
    """
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles and headers it skips
            warnings.simplefilter("ignore")
            book = _either(data)
    except PyXFormReadError as exc:
        raise WorkbookUnreadable(f"not an .xlsx or .xls workbook ({_short(exc)})") from exc
    except PyXFormError as exc:
        raise WorkbookUnreadable(_short(exc)) from exc
    except Exception as exc:  # pyxform and openpyxl raise many kinds on a damaged file
        raise WorkbookUnreadable(f"not a readable workbook ({_short(exc)})") from exc
    names = [str(name).lower() for name in book.get("sheet_names", [])]
    if "survey" not in names:
        found = ", ".join(str(n) for n in book.get("sheet_names", [])) or "none"
        raise WorkbookUnreadable(f"the workbook has no sheet named survey (sheets: {found})")
    sheets: dict[str, Sheet] = {}
    for name in SHEETS:
        if name not in book:
            continue
        header_rows = book.get(f"{name}_header") or [{}]
        header = [str(key) for key in header_rows[0]]
        rows = [
            {str(key): str(value) for key, value in row.items() if value is not None}
            for row in book[name]
        ]
        sheets[name] = Sheet(name, header, rows)
    return sheets


def _either(data: bytes) -> dict[str, Any]:
    """The sheets of an .xlsx workbook, or failing that of an old .xls one."""
    try:
        book: dict[str, Any] = xlsx_to_dict(BytesIO(data))
    except PyXFormReadError:
        if not data.startswith(_OLE):
            raise
        book = xls_to_dict(BytesIO(data))
    return book


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
