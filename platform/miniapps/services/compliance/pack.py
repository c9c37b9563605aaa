"""The inspection pack of one practice: a ZIP an inspector can open offline.

Layout (paths inside the ZIP)::

    index.html                       printable; by key question and quality statement
    records/<app_id>.csv             each app's records of the last 12 months
    records/<app_id>.<section>.csv   ... one file per repeating section, keyed by record id
    records/<app_id>.xlsx            ... the same as a workbook (a sheet per section)
    attachments/<record id>/<name>   the files those records' answers cite
    summaries/<name>.csv             every PackTable of every registered source
    summaries.xlsx                   the same tables, a sheet each

Which apps, records and files: :mod:`miniapps.services.compliance.pack_contents`; the
index: :mod:`miniapps.services.compliance.pack_index`. The pack is streamed into the ZIP
member by member (attachments copied in chunks); what is held at once is one app's records
(the export writers work per app) and the summary tables. Written to a path, it appears
whole or not at all. Every pack built is audited. Flushes only; the caller commits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy.orm import Session

from miniapps.core.compliance.pack_names import safe_file_name, unique_name
from miniapps.core.errors import MiniappsError
from miniapps.core.exports import records as record_export
from miniapps.models import App, AuditEntry, Organisation, Record, User
from miniapps.services.channels.reads import audit_reads
from miniapps.services.compliance.assessment import (
    WINDOW_MONTHS,
    assess,
    months_before,
    resolve_framework,
)
from miniapps.services.compliance.pack_archive import PackArchive, write_whole_file
from miniapps.services.compliance.pack_contents import (
    PackApp,
    pack_apps,
    pack_records,
    record_attachments,
)
from miniapps.services.compliance.pack_index import (
    LONDON,
    AppFiles,
    PackIndex,
    write_index,
)
from miniapps.services.compliance.pack_summaries import write_summaries
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import READ, Access, SystemAccess
from miniapps.services.records.attachments import attachment_path

AUDIT_ACTION = "evidence_pack_built"
CLI_BUILDER = "the command line (miniapps evidence pack)"
# Who may take a practice's pack away: whoever reads the whole practice's compliance (its
# managers, its PCN's, the ICB's viewers, platform admins). Staff fill in and sign; the
# pack holds every app's records (complaints, significant events) in one download.
PACK_ROLES = frozenset({"platform_admin", "icb_viewer", "pcn_manager", "practice_manager"})


class PackRefused(MiniappsError):
    """No practice has this ODS code: a pack is built for one practice."""

    code = "pack_refused"
    kind = "not_found"


@dataclass(frozen=True)
class PackSummary:
    ods: str
    framework: str
    version: str
    items: int  # distinct evidence items listed in the index
    records: int
    attachments: int
    tables: int  # summary tables
    files: int  # members of the ZIP
    bytes: int
    seconds: float

    def line(self) -> str:
        """One line for people: what the pack holds and how long it took."""
        return (
            f"inspection pack for {self.ods} ({self.framework} {self.version}): "
            f"{self.items} evidence items, {self.records} records, {self.attachments} "
            f"attachments, {self.tables} summary tables; {self.files} files, "
            f"{self.bytes / 1_000_000:.1f} MB in {self.seconds:.1f} s"
        )


def practice_for_pack(session: Session, ods: str) -> Organisation:
    """The practice with ODS code ``ods``; :class:`PackRefused` for an unknown code or an
    organisation that is not a practice."""
    try:
        org = by_ods(session, ods)
    except UnknownOrganisation as exc:
        raise PackRefused(str(exc)) from exc
    _require_practice(org)
    return org


def may_build_pack(access: Access, org: Organisation, app: App) -> bool:
    """Whether the user may download ``org``'s pack from the home app ``app``."""
    return (
        org.type == "practice"
        and access.can(READ, org, app)
        and bool(access.roles_at(org) & PACK_ROLES)
    )


def _require_practice(org: Organisation) -> None:
    if org.type != "practice":
        raise PackRefused(
            f"{org.name} ({org.ods}) is a {org.type}, not a practice: an inspection pack is "
            "built for one practice"
        )


def build_pack(
    session: Session,
    org: Organisation,
    framework_id: str,
    out: Path | BinaryIO,
    *,
    now: datetime | None = None,
    app_id: str | None = None,
    actor: User | None = None,
    uploads_dir: str | Path | None = None,
) -> PackSummary:
    """Write ``org``'s inspection pack for ``framework_id`` (its latest loaded version) to
    ``out``: a path (written whole or not at all) or a binary stream.

    ``app_id`` is the framework's home app (found from the definitions when omitted);
    ``actor`` the person building it (records are then those they may read; the
    platform's when omitted, for the command line); ``uploads_dir`` the attachment store
    (without it, attachments are listed as not in the pack). Raises :class:`PackRefused`
    for an organisation that is not a practice and
    :class:`~miniapps.services.compliance.assessment.UnknownFramework` before anything is
    written.
    """
    started = time.perf_counter()
    _require_practice(org)
    moment = _aware(now or datetime.now(UTC))
    assessment = assess(session, org, framework_id, now=moment)
    framework, _ = resolve_framework(session, framework_id, assessment.version)
    index = PackIndex(
        org=org,
        assessment=assessment,
        since=months_before(moment, WINDOW_MONTHS),
        now=moment,
        built_by=actor.name if actor else CLI_BUILDER,
        categories=dict(framework.evidence_categories),
    )
    builder = _PackBuilder(
        session,
        index,
        pack_apps(session, framework_id, org, app_id),
        Access(actor) if actor else SystemAccess(),
        Path(uploads_dir) if uploads_dir is not None else None,
    )
    if isinstance(out, Path):
        size = write_whole_file(out, builder.write)
    else:
        start = _position(out)
        builder.write(out)
        size = _position(out) - start
    summary = PackSummary(
        ods=org.ods,
        framework=framework_id,
        version=assessment.version,
        items=len({i for q in assessment.key_questions for s in q.statements for i in s.items}),
        records=builder.records,
        attachments=index.attachment_count,
        tables=len(index.summaries),
        files=builder.files,
        bytes=size,
        seconds=time.perf_counter() - started,
    )
    _audit(session, summary, app_id, actor)
    return summary


class _PackBuilder:
    """Writes the members of one pack, filling its index as it goes."""

    def __init__(
        self,
        session: Session,
        index: PackIndex,
        apps: list[PackApp],
        access: Access,
        uploads_dir: Path | None,
    ) -> None:
        self.session, self.index, self.apps = session, index, apps
        self.access, self.uploads_dir = access, uploads_dir
        self.records = self.files = 0

    def write(self, out: IO[bytes]) -> None:
        archive = PackArchive(out, self.index.now.astimezone(LONDON))
        try:
            for pack_app in self.apps:
                self._write_records(archive, pack_app)
            write_summaries(self.session, archive, self.index)
            with archive.member("index.html") as stream:
                write_index(self.index, stream)
        finally:
            self.files = len(archive.names)
            archive.close()

    def _write_records(self, archive: PackArchive, pack_app: PackApp) -> None:
        app, index = pack_app.app, self.index
        items = pack_records(self.session, self.access, app, index.org, index.since, index.now)
        definition = app_definition(self.session, app)
        texts = record_export.to_csv(definition, items)
        names = record_export.csv_file_names(f"records/{app.id}.csv", texts)
        for table, text in texts.items():  # with a byte order mark, for Excel
            archive.write_text(names[table], text, "utf-8-sig")
        xlsx = f"records/{app.id}.xlsx"
        archive.write_bytes(xlsx, record_export.to_xlsx(definition, items))
        main = names[record_export.MAIN]
        csv_files = [main, *(n for n in names.values() if n != main)]
        records = [record for record, *_ in items if isinstance(record, Record)]
        index.apps[app.id] = AppFiles(
            app.id, pack_app.title, len(items), csv_files, xlsx, {r.id for r in records}
        )
        self.records += len(items)
        # The platform (or the person) read these records: channel records log it.
        audit_reads(self.session, self.access, records, "export")
        for record_id, attachments in record_attachments(self.session, app.id, records).items():
            used: set[str] = set()
            for attachment in attachments:
                source = attachment_path(self.uploads_dir, attachment) if self.uploads_dir else None
                if source is None or not source.is_file():
                    index.missing.setdefault(record_id, []).append(attachment)
                    continue
                name = unique_name(safe_file_name(attachment.filename), used)
                member = f"attachments/{record_id}/{name}"
                archive.copy_file(member, source, attachment.content_type)
                index.attachments.setdefault(record_id, []).append((member, attachment))


def _audit(session: Session, summary: PackSummary, app_id: str | None, actor: User | None) -> None:
    session.add(
        AuditEntry(
            record_id=None,
            app_id=app_id,
            actor_id=actor.id if actor else None,
            action=AUDIT_ACTION,
            changes=[
                {
                    "pointer": f"/organisations/{summary.ods}/inspection_pack",
                    "old": None,
                    "new": f"{summary.framework} {summary.version}",
                    "items": summary.items,
                    "records": summary.records,
                    "attachments": summary.attachments,
                    "tables": summary.tables,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "seconds": round(summary.seconds, 3),
                }
            ],
        )
    )
    session.flush()


def _position(out: BinaryIO) -> int:
    try:
        return out.tell()
    except OSError:  # a stream that cannot tell: the size is unknown
        return 0


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
