"""A small XLSX writer that streams rows into the file: flat memory, about 1 µs a cell.

openpyxl's write-only mode keeps memory flat too, but builds a cell object and an XML
element per value (20-40 µs a cell here, lxml or not): 150,000 records by 500 fields is
75 million cells, half an hour. This writes each row's XML as text straight into the ZIP
member, strings inline (no shared-string table growing with the data), numbers as they
are, dates and times as serial numbers with a date format, so that Excel, LibreOffice and
openpyxl read back the same values openpyxl's own files give. The first sheet goes
straight into the archive; the others are spooled to temporary files (a ZIP can only be
written one member at a time) and copied in at the end.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from math import isfinite
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from miniapps.core.exports.cells import FORMULA_TRIGGERS
from miniapps.core.records.value_safety import xml_text

DATE_STYLE, DATETIME_STYLE = 1, 2  # cellXfs entries of STYLES
# Text that needs more than copying: markup, a carriage return, or what XML cannot hold.
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN_NS}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
_SHEET_START = f'{_XML}<worksheet xmlns="{_MAIN_NS}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"
_FLUSH_CHARS = 1 << 20


class StreamingSheet:
    """Rows appended to one worksheet's XML, written out in chunks of about 1 MB."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._parts: list[str] = [_SHEET_START]
        self._size = 0
        self._letters: list[str] = []
        self.rows = 0

    def append(self, values: Sequence[Any], dates: Sequence[bool] = ()) -> None:
        """One row; a text value at an index where ``dates`` is true that spells an ISO date
        becomes a date cell. Text that starts like a formula gets a ``'``."""
        self.rows += 1
        row = str(self.rows)
        if len(values) > len(self._letters):
            self._letters = [get_column_letter(i + 1) for i in range(len(values))]
        parts = [f'<row r="{row}">']
        for letter, value, is_date in zip(
            self._letters, values, _padded(dates, len(values)), strict=False
        ):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                if is_date and (serial := _date_serial(value)) is not None:
                    parts.append(f'<c r="{letter}{row}" s="1"><v>{serial}</v></c>')
                    continue
                if value.startswith(FORMULA_TRIGGERS):
                    value = "'" + value
                if _SPECIAL.search(value):
                    value = escape(xml_text(value), {"\r": "&#13;"})
                space = ' xml:space="preserve"' if value.strip() is not value else ""
                parts.append(
                    f'<c r="{letter}{row}" t="inlineStr"><is><t{space}>{value}</t></is></c>'
                )
            elif kind is int or (kind is float and isfinite(value)):
                parts.append(f'<c r="{letter}{row}"><v>{value}</v></c>')
            elif kind is bool:
                parts.append(f'<c r="{letter}{row}" t="b"><v>{int(value)}</v></c>')
            elif value is None or kind is float:
                continue  # a non-finite number was stored before the check refused it
            elif isinstance(value, datetime):
                naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
                parts.append(f'<c r="{letter}{row}" s="2"><v>{excel_serial(naive)}</v></c>')
            elif isinstance(value, date):
                parts.append(f'<c r="{letter}{row}" s="1"><v>{excel_serial(value)}</v></c>')
            else:
                text = escape(xml_text(str(value)))
                parts.append(f'<c r="{letter}{row}" t="inlineStr"><is><t>{text}</t></is></c>')
        parts.append("</row>")
        chunk = "".join(parts)
        self._parts.append(chunk)
        self._size += len(chunk)
        if self._size > _FLUSH_CHARS:
            self.flush()

    def flush(self) -> None:
        self._stream.write("".join(self._parts).encode("utf-8"))
        self._parts, self._size = [], 0

    def close(self) -> None:
        self._parts.append(_SHEET_END)
        self.flush()


class StreamingWorkbook:
    """An XLSX file written into ``out`` (any writable binary file) as rows arrive."""

    def __init__(
        self,
        out: IO[bytes],
        titles: list[str],
        spool: Callable[[], IO[bytes]] = tempfile.TemporaryFile,
    ) -> None:
        self._archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._titles = titles
        self._first = self._archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._spools = [spool() for _ in titles[1:]]
        self.sheets = [StreamingSheet(self._first), *(StreamingSheet(s) for s in self._spools)]

    def close(self) -> None:
        """Finish every sheet and the package around them."""
        self.sheets[0].close()
        self._first.close()
        for number, (sheet, spooled) in enumerate(
            zip(self.sheets[1:], self._spools, strict=True), start=2
        ):
            sheet.close()
            spooled.seek(0)
            with self._archive.open(
                f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True
            ) as member:
                shutil.copyfileobj(spooled, member, 1 << 20)
            spooled.close()
        for name, text in _package(self._titles).items():
            self._archive.writestr(name, text)
        self._archive.close()

    def abandon(self) -> None:
        """Close the spooled sheets after a failure (the output is left incomplete)."""
        for spooled in self._spools:
            spooled.close()


def _padded(flags: Sequence[bool], length: int) -> Sequence[bool]:
    return flags if len(flags) >= length else [*flags, *([False] * (length - len(flags)))]


_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (on Windows), as openpyxl counts


def excel_serial(value: date) -> float | int:
    """Days since Excel's epoch, as openpyxl's ``to_excel`` counts them (Excel's phantom
    29 February 1900 included); a naive datetime adds the fraction of its day."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
    days = (moment - _EPOCH).days
    if 0 < days <= 60:
        days -= 1
    if not isinstance(value, datetime):
        return days
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 10**6
    return days + seconds / 86400


@lru_cache(maxsize=65536)
def _date_serial(text: str) -> float | int | None:
    try:
        return excel_serial(date.fromisoformat(text))
    except ValueError:
        return None


def _package(titles: list[str]) -> dict[str, str]:
    """The parts around the sheets: content types, relationships, workbook, styles."""
    numbers = range(1, len(titles) + 1)
    sheets = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
        for n, title in zip(numbers, titles, strict=True)
    )
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in numbers
    )
    styles_id = len(titles) + 1
    return {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PKG_REL_NS}">{links}<Relationship Id="rId{styles_id}" '
            f'Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": STYLES,
    }
