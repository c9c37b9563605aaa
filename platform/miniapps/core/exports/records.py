"""Export records as CSV, XLSX or JSON, repeating sections included, without IO.

Each exported item is ``(record, org ODS, org name, submitter name)``. Every
format starts with the same information columns (:data:`META_COLUMNS`), then one
column per field named by its path (``reading``, ``address/postcode``; several
choices as ``a; b``). Repeating sections are never dropped:

* CSV: :func:`to_csv` gives the main file plus one file per repeating section
  (``courses``), keyed by ``record_id`` and ``item`` (numbered from 1). The CLI
  writes them beside ``--out`` (``export.courses.csv``); the browser sends a ZIP
  (:func:`csv_zip`) when there is more than one file.
* XLSX: a ``records`` sheet plus one sheet per repeating section, keyed the same way.
* JSON: a list of whole record objects, repeating sections inline in ``data``.

CSV and XLSX cells are written through :mod:`miniapps.core.exports.cells`, so an answer
such as ``=1+1`` arrives as the text ``'=1+1``, never as a formula.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from openpyxl import Workbook

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.exports.cells import csv_text, xlsx_append
from miniapps.core.imports.columns import column_name
from miniapps.core.pointers import value_at
from miniapps.core.records.value_safety import scrub_value, xml_text

META_COLUMNS = (
    "id", "app_version", "ods", "organisation", "period", "status",
    "submitted_by", "created_at", "updated_at", "submitted_at",
)  # fmt: skip
MAIN = ""  # the name of the main table among the sections
XLSX_MAIN_SHEET = "records"
CONTAINERS = ("object", "repeat")


class ExportedRecord(Protocol):
    id: int
    app_id: str
    app_version: int
    period: str | None
    status: str
    version: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


ExportItem = tuple[ExportedRecord, str, str, str | None]


@dataclass(frozen=True)
class ExportColumn:
    header: str
    pointer: str  # within the record (main table) or within one item (sections)
    field: Field | None = None


@dataclass
class Table:
    """One sheet or file: ``name`` is ``""`` for the main table, else the section's path."""

    name: str
    columns: list[ExportColumn]
    meta: tuple[str, ...]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [*self.meta, *(c.header for c in self.columns)]


def repeat_sections(definition: AppDefinition) -> list[Field]:
    """Repeating sections that get their own sheet or file (those not inside another)."""
    return [f for f in definition.fields if f.kind == "repeat" and "/-" not in f.pointer]


def export_tables(definition: AppDefinition, items: Iterable[ExportItem]) -> list[Table]:
    """The main table and one table per repeating section, filled from ``items``."""
    fields = definition.fields
    items = list(items)
    main = Table(MAIN, _columns(fields, "", [i[0].data for i in items]), META_COLUMNS)
    sections: list[tuple[Field, Table]] = []
    for section in repeat_sections(definition):
        values = [v for i in items for v in _list_at(i[0].data, section.pointer)]
        columns = _columns(fields, section.pointer + "/-", values)
        sections.append(
            (section, Table(column_name(section.pointer), columns, ("record_id", "item")))
        )
    for record, ods, org_name, submitter in items:
        meta = [
            record.id, record.app_version, ods, org_name, record.period, record.status,
            submitter, record.created_at, record.updated_at, record.submitted_at,
        ]  # fmt: skip
        main.rows.append(meta + [_value_at(record.data, c) for c in main.columns])
        for section, table in sections:
            for number, item in enumerate(_list_at(record.data, section.pointer), start=1):
                table.rows.append([record.id, number, *(_value_at(item, c) for c in table.columns)])
    return [main, *(table for _, table in sections)]


def _columns(fields: list[Field], base: str, values: list[Any]) -> list[ExportColumn]:
    """Leaf fields directly under ``base`` (not inside a nested repeat), then any other
    top-level members found in the data, so that nothing stored is left out."""
    prefix = base + "/"
    columns = []
    for f in fields:
        relative = f.pointer[len(base) :]
        if not f.pointer.startswith(prefix) or "/-" in relative:
            continue
        if f.kind == "object" or (f.kind == "repeat" and "/-" not in f.pointer):
            continue  # a fieldset's questions are columns; a section has its own table
        columns.append(ExportColumn(column_name(relative), relative, f))
    known = {f.key for f in fields if f.parent == base}
    for value in values:
        for key in value if isinstance(value, dict) else ():
            if key not in known:
                known.add(key)
                columns.append(ExportColumn(key, "/" + key.replace("~", "~0").replace("/", "~1")))
    return columns


def _list_at(data: Any, pointer: str) -> list[Any]:
    value = value_at(data, pointer)
    return value if isinstance(value, list) else []


def _value_at(data: Any, column: ExportColumn) -> Any:
    value = value_at(data, column.pointer)
    kind = column.field.kind if column.field else None
    if isinstance(value, list) and kind in ("multi_enum", "array"):
        return "; ".join(_scalar_text(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _iso(value) or ""
    return str(value)


def to_csv(definition: AppDefinition, items: Iterable[ExportItem]) -> dict[str, str]:
    """CSV text by table name: ``""`` for the main file, ``courses`` for a section."""
    return {
        table.name: csv_text(table.headers, table.rows, _scalar_text)
        for table in export_tables(definition, items)
    }


def csv_file_names(base: str, names: Iterable[str]) -> dict[str, str]:
    """File names for :func:`to_csv`'s tables: ``export.csv``, ``export.courses.csv``."""
    stem = base.removesuffix(".csv")
    return {n: f"{stem}.csv" if n == MAIN else f"{stem}.{n.replace('/', '.')}.csv" for n in names}


def csv_zip(files: dict[str, str], base: str) -> bytes:
    """The CSV files in one ZIP, each UTF-8 with a byte order mark for Excel."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file_name in csv_file_names(base, files).items():
            archive.writestr(file_name, files[name].encode("utf-8-sig"))
    return out.getvalue()


def to_xlsx(definition: AppDefinition, items: Iterable[ExportItem]) -> bytes:
    """A workbook: the ``records`` sheet, then one sheet per repeating section."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for table in export_tables(definition, items):
        sheet = book.create_sheet(_sheet_title(table.name or XLSX_MAIN_SHEET, used))
        xlsx_append(sheet, table.headers)
        width = len(table.meta)
        for row in table.rows:
            meta = [_excel(v) for v in row[:width]]
            cells = [_excel(v, c.field) for v, c in zip(row[width:], table.columns, strict=True)]
            xlsx_append(sheet, meta + cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("." if ch in "[]:*?/\\" else ch for ch in xml_text(name))[:31]
    title, n = clean, 2
    while title.lower() in used:
        title = f"{clean[:28]}~{n}"
        n += 1
    used.add(title.lower())
    return title


def _excel(value: Any, source: Field | None = None) -> Any:
    """Excel cannot hold time zones: timestamps become UTC; ISO dates become dates."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if source is not None and source.schema.get("format") == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def to_json(definition: AppDefinition, items: Iterable[ExportItem]) -> str:
    """A JSON list of whole records, shaped like the API's record answers."""
    # Exact data, no safe_cell: JSON is not opened as a spreadsheet, so nothing runs.
    records = [
        {
            "id": record.id,
            "app": record.app_id,
            "app_version": record.app_version,
            "org": ods,
            "organisation": org_name,
            "period": record.period,
            "status": record.status,
            "version": record.version,
            "submitted_by": submitter,
            "created_at": _iso(record.created_at),
            "updated_at": _iso(record.updated_at),
            "submitted_at": _iso(record.submitted_at),
            "data": record.data,
        }
        for record, ods, org_name, submitter in items
    ]
    # Stored before the record check refused them, a lone surrogate or Infinity would make
    # text that cannot be encoded or JSON that no parser reads: shown as U+FFFD and null.
    return json.dumps(scrub_value(records), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
