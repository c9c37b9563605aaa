"""Clearing away files no record holds: ``miniapps records prune-files``.

Uploads reach the store only with a committed record (see
:mod:`miniapps.services.records.attachments`), but some files still end up held by
nothing: one left in ``incoming/`` by a process that died before its commit, an
attachment whose answer was replaced, or whose form was committed without it. Past a
grace period (a day by default, so nothing being filled in right now is touched), this
deletes attachments that no record's answers, no record history and no document version
cite, then the stored files no attachment names. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, delete, select
from sqlalchemy.orm import Session

from miniapps.models import Attachment, AuditEntry, Record
from miniapps.models.document import DocumentVersion
from miniapps.services.records.attachment_access import citing_records
from miniapps.services.records.attachments import INCOMING

GRACE = timedelta(days=1)


@dataclass
class PruneReport:
    attachments: int = 0  # rows deleted
    files: int = 0  # stored files deleted
    incoming: int = 0  # files of transactions that never committed

    @property
    def summary(self) -> str:
        return (
            f"{self.attachments} attachment(s) on no record, {self.files} stored file(s) "
            f"and {self.incoming} unfinished upload(s) removed"
        )


def prune_orphans(
    session: Session, root: str | Path, now: datetime, *, grace: timedelta = GRACE
) -> PruneReport:
    """Delete what no record holds and is older than ``grace`` (see the module)."""
    root, cutoff = Path(root), now - grace
    report = PruneReport()
    for candidate in session.scalars(select(Attachment).where(Attachment.uploaded_at < cutoff)):
        if not _held(session, candidate):
            session.execute(delete(Attachment).where(Attachment.id == candidate.id))
            report.attachments += 1
    session.flush()
    named = set(session.scalars(select(Attachment.sha256).distinct()))
    stale = cutoff.timestamp()
    if root.is_dir():
        for path in root.iterdir():
            if path.is_file() and path.name not in named and path.stat().st_mtime < stale:
                path.unlink(missing_ok=True)
                report.files += 1
    if (root / INCOMING).is_dir():
        for path in (root / INCOMING).iterdir():
            if path.is_file() and path.stat().st_mtime < stale:
                path.unlink(missing_ok=True)
                report.incoming += 1
    return report


def _held(session: Session, attachment: Attachment) -> bool:
    if citing_records(session, attachment):
        return True
    versions = select(DocumentVersion.id).where(DocumentVersion.attachment_id == attachment.id)
    if session.scalar(versions.limit(1)) is not None:
        return True
    history = select(AuditEntry.id).where(
        AuditEntry.record_id.in_(
            select(Record.id).where(
                Record.app_id == attachment.app_id,
                Record.organisation_id == attachment.organisation_id,
            )
        ),
        cast(AuditEntry.changes, String).contains(attachment.id),
    )
    return session.scalar(history.limit(1)) is not None
