"""The inspection pack's ``index.html``: what the pack holds, grouped by key question and
quality statement, printable, with relative links to the pack's own files.

Rendered with Jinja (autoescape on, strict undefined) from ``templates/pack/index.html``,
outside any request: the command line builds packs too. The page has its own small CSS
and no external assets, so it reads the same unpacked from the ZIP, offline, or printed.
:func:`write_index` streams the rendering into the pack piece by piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import IO, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from miniapps.models import Attachment, Organisation
from miniapps.services.compliance.assessment import Assessment
from miniapps.services.compliance.sources import EvidenceItem, PackTable

LONDON = ZoneInfo("Europe/London")
STATUS_TITLES = {"evidenced": "Evidenced", "gaps": "Gaps", "no_evidence": "No evidence"}
SUMMARY_ROWS_SHOWN = 200  # rows of a summary printed in the index; the CSV holds all


@dataclass(frozen=True)
class Link:
    text: str
    href: str  # relative to index.html, percent-encoded


@dataclass
class AppFiles:
    """One app's records in the pack: ``records/<app_id>.csv`` (and one CSV per repeating
    section) and ``records/<app_id>.xlsx``."""

    app_id: str
    title: str
    records: int
    csv: list[str]  # member paths, the main file first
    xlsx: str
    record_ids: set[int] = field(default_factory=set)


@dataclass
class SummaryFile:
    table: PackTable
    source: str
    csv: str  # member path
    sheet: str  # its sheet in summaries.xlsx


@dataclass
class PackIndex:
    """Everything the index shows; filled while the pack is written."""

    org: Organisation
    assessment: Assessment
    since: datetime
    now: datetime
    built_by: str
    categories: dict[str, str] = field(default_factory=dict)  # evidence category id -> title
    apps: dict[str, AppFiles] = field(default_factory=dict)
    # record id -> (member path, attachment); missing: the store no longer had the file
    attachments: dict[int, list[tuple[str, Attachment]]] = field(default_factory=dict)
    missing: dict[int, list[Attachment]] = field(default_factory=dict)
    summaries: list[SummaryFile] = field(default_factory=list)
    summaries_xlsx: str | None = None

    def item_links(self, item: EvidenceItem) -> list[Link]:
        """Where an evidence item is in the pack: its app's record files and the record's
        attachments (none when its record is not in the pack, which the person building
        it may not read); else the summary tables of the source it came from."""
        files = self.apps.get(item.app_id or "")
        record_id = item.record_id
        if files is not None and record_id is not None and record_id in files.record_ids:
            return [
                Link(f"{files.title} (CSV)", href(files.csv[0])),
                Link(f"{files.title} (XLSX)", href(files.xlsx)),
                *(Link(a.filename, href(path)) for path, a in self.attachments.get(record_id, [])),
            ]
        return [
            Link(summary.table.title, href(summary.csv))
            for summary in self.summaries
            if summary.source == item.source
        ]

    @property
    def attachment_count(self) -> int:
        return sum(len(files) for files in self.attachments.values())


def href(member: str) -> str:
    """A member path as a relative link (each segment percent-encoded)."""
    return "/".join(quote(part) for part in member.split("/"))


def day(moment: datetime | None) -> str:
    """``3 May 2026`` in Europe/London ("" for none); naive values are UTC."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).strftime("%-d %B %Y")


def moment_text(moment: datetime) -> str:
    """``3 May 2026, 14:05`` in Europe/London."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).strftime("%-d %B %Y, %H:%M")


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("miniapps", "templates/pack"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_index(index: PackIndex, out: IO[bytes]) -> None:
    """Render ``index.html`` into ``out`` as it is generated (UTF-8)."""
    context: dict[str, Any] = {
        "pack": index,
        "assessment": index.assessment,
        "org": index.org,
        "status_titles": STATUS_TITLES,
        "day": day,
        "moment_text": moment_text,
        "href": href,
        "rows_shown": SUMMARY_ROWS_SHOWN,
    }
    # Jinja yields many small pieces: hand the archive chunks of about 64 KB instead.
    pending: list[str] = []
    size = 0
    for piece in _templates().get_template("index.html").generate(context):
        pending.append(piece)
        size += len(piece)
        if size >= 65_536:
            out.write("".join(pending).encode("utf-8"))
            pending, size = [], 0
    out.write("".join(pending).encode("utf-8"))
