"""Export records as CSV, XLSX or JSON, repeating sections included, without IO of its own.

Each exported item is ``(record, org ODS, org name, submitter name)``. Every
format starts with the same information columns (:data:`META_COLUMNS`), then one
column per field named by its path (``reading``, ``address/postcode``; several
choices as ``a; b``). Repeating sections are never dropped:

* CSV: the main file plus one file per repeating section (``courses``), keyed by
  ``record_id`` and ``item`` (numbered from 1). The CLI writes them beside ``--out``
  (``export.courses.csv``); the browser sends a ZIP when there is more than one file.
* XLSX: a ``records`` sheet plus one sheet per repeating section, keyed the same way.
* JSON: a list of whole record objects, repeating sections inline in ``data``.

CSV and XLSX cells are written through :func:`miniapps.core.exports.cells.safe_cell`, so an
answer such as ``=1+1`` arrives as the text ``'=1+1``, never as a formula.

The writers stream (:mod:`miniapps.core.exports.record_files`): a database cursor goes in,
chunks go out. The functions here build a whole file in memory from a list, for small
exports (the evidence pack) and tests.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports.layout import (
    MAIN,
    META_COLUMNS,
    ExportedRecord,
    ExportItem,
    ExportRow,
    plan_layout,
    repeat_sections,
)
from miniapps.core.exports.record_files import (
    XLSX_MAIN_SHEET,
    csv_file_names,
    write_csv_files,
    write_json,
    write_xlsx_file,
    zip_csv_files,
)

__all__ = [
    "MAIN",
    "META_COLUMNS",
    "XLSX_MAIN_SHEET",
    "ExportItem",
    "ExportRow",
    "ExportedRecord",
    "csv_file_names",
    "csv_zip",
    "repeat_sections",
    "to_csv",
    "to_json",
    "to_xlsx",
]


def to_csv(definition: AppDefinition, items: Iterable[ExportItem]) -> dict[str, str]:
    """CSV text by table name: ``""`` for the main file, ``courses`` for a section."""
    listed = list(items)
    outputs = {name: io.BytesIO() for name in plan_layout(definition).names}
    write_csv_files(definition, lambda: listed, outputs)
    return {name: out.getvalue().decode("utf-8") for name, out in outputs.items()}


def csv_zip(files: dict[str, str], base: str) -> bytes:
    """The CSV files in one ZIP, each UTF-8 with a byte order mark for Excel."""
    out = io.BytesIO()
    zip_csv_files({n: io.BytesIO(text.encode("utf-8-sig")) for n, text in files.items()}, base, out)
    return out.getvalue()


def to_xlsx(definition: AppDefinition, items: Iterable[ExportItem]) -> bytes:
    """A workbook: the ``records`` sheet, then one sheet per repeating section."""
    listed = list(items)
    out = io.BytesIO()
    write_xlsx_file(definition, lambda: listed, out)
    return out.getvalue()


def to_json(definition: AppDefinition, items: Iterable[ExportItem]) -> str:
    """A JSON list of whole records, shaped like the API's record answers."""
    out = io.BytesIO()
    write_json(items, out)
    return out.getvalue().decode("utf-8")
