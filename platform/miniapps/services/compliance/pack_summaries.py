"""The pack's summaries: every :class:`PackTable` of every registered source, as
``summaries/<name>.csv`` and as a sheet of ``summaries.xlsx``.

Sources register in :data:`~miniapps.services.compliance.sources.SOURCES` (policies with
versions, adoption and read-and-sign; complaints; significant events; actions; training).
Cells go through the export writers' safe-cell rule, so text such as ``=1+1`` is never a
formula. Names come from the sources and are made safe and unique.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from miniapps.core.compliance.pack_names import safe_file_name, unique_name
from miniapps.core.exports.cells import csv_text, xlsx_append
from miniapps.services.compliance.pack_archive import PackArchive
from miniapps.services.compliance.pack_index import LONDON, PackIndex, SummaryFile
from miniapps.services.compliance.sources import SOURCES

WORKBOOK = "summaries.xlsx"


def write_summaries(session: Session, archive: PackArchive, index: PackIndex) -> None:
    """Ask every source for ``index.org``'s tables, write them and list them in ``index``."""
    book = Workbook(write_only=True)
    stems: set[str] = set()
    sheets: set[str] = set()
    for source_name, source in SOURCES.items():
        for table in source.pack_tables(session, index.org, index.since, index.now):
            stem = unique_name(safe_file_name(table.name, "table"), stems)
            member = f"summaries/{stem}.csv"
            archive.write_text(member, csv_text(table.columns, table.rows), "utf-8-sig")
            sheet = book.create_sheet(_sheet_title(table.title or stem, sheets))
            xlsx_append(sheet, table.columns)
            for row in table.rows:
                xlsx_append(sheet, [_excel(value) for value in row])
            index.summaries.append(SummaryFile(table, source_name, member, sheet.title))
    if index.summaries:
        index.summaries_xlsx = WORKBOOK
        with archive.member(WORKBOOK) as stream:
            book.save(stream)


def _sheet_title(title: str, used: set[str]) -> str:
    """Sheet names: at most 31 characters, none of ``[]:*?/\\``, unique (ignoring case)."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("' ")[:27]
    return unique_name(clean or "table", used)


def _excel(value: Any) -> Any:
    """Excel holds no time zones (a moment becomes UK time) nor nested values (JSON)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(LONDON).replace(tzinfo=None)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value
