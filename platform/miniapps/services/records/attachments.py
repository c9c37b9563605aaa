"""File attachments of records: stored by content hash under UPLOADS_DIR, described in the DB.

A file reaches its place only with a committed transaction: :class:`AttachmentStore`
writes an upload to ``UPLOADS_DIR/incoming/`` and the session moves it to
``UPLOADS_DIR/<sha256>`` after its commit, or deletes it when the transaction ends any
other way (a refused form, a 403, an error). What a crash leaves in ``incoming/``, and
attachments no record cites, go with ``miniapps records prune-files``
(:mod:`miniapps.services.records.attachment_orphans`). Who may download a file is
decided through its record (:mod:`miniapps.services.records.attachment_access`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from miniapps.models import Attachment, Organisation, User

INCOMING = "incoming"
OCTET_STREAM = "application/octet-stream"
CONTENT_TYPE_LENGTH = 120  # the column's length
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
# Served as themselves (always as a download, with nosniff); anything else, HTML and SVG
# above all, is served as application/octet-stream.
SERVED_AS_THEMSELVES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
_PENDING = "miniapps_pending_files"


class Upload(Protocol):
    filename: str | None
    mimetype: str
    stream: BinaryIO


def stored_content_type(declared: str | None) -> str:
    """The media type an upload declared, without parameters (``; charset=...``) and in
    lower case; ``application/octet-stream`` when it is missing, malformed or too long."""
    media = (declared or "").split(";", 1)[0].strip().lower()
    if len(media) > CONTENT_TYPE_LENGTH or not _MEDIA_TYPE.match(media):
        return OCTET_STREAM
    return media


def served_content_type(attachment: Attachment) -> str:
    """The Content-Type a download is served with: the stored type when it is on the
    short list :data:`SERVED_AS_THEMSELVES`, else ``application/octet-stream``."""
    media = stored_content_type(attachment.content_type)
    return media if media in SERVED_AS_THEMSELVES else OCTET_STREAM


class AttachmentStore:
    """The ``file_store`` the form compiler saves uploads through. Call it only once the
    user may write the record (the file is read when saved)."""

    def __init__(
        self, session: Session, root: str | Path, app_id: str, org: Organisation, user: User | None
    ) -> None:
        self.session, self.root = session, Path(root)
        self.app_id, self.org, self.user = app_id, org, user

    def save(self, upload: Upload, field_pointer: str) -> str:
        content = upload.stream.read()
        digest = hashlib.sha256(content).hexdigest()
        attachment = Attachment(
            id=str(uuid.uuid4()),
            app_id=self.app_id,
            organisation_id=self.org.id,
            field_pointer=field_pointer,
            filename=Path(upload.filename or "upload").name[:255] or "upload",
            content_type=stored_content_type(upload.mimetype),
            size=len(content),
            sha256=digest,
            uploaded_by_id=self.user.id if self.user else None,
        )
        self.session.add(attachment)
        self.session.flush()
        stage_file(self.session, self.root, digest, content)
        return attachment.id


def stage_file(session: Session, root: Path, digest: str, content: bytes) -> None:
    """Write ``content`` to ``root/incoming/`` now, and move it to ``root/<digest>`` when
    ``session`` commits (deleted if the transaction ends otherwise)."""
    incoming = root / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    staged = incoming / f"{digest}.{uuid.uuid4().hex}"
    staged.write_bytes(content)
    pending: list[tuple[Path, Path]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _place_files)
        event.listen(session, "after_transaction_end", _drop_files)
    pending.append((staged, root / digest))


def _place_files(session: Session) -> None:
    for staged, target in _take_pending(session):
        if target.exists():  # the same content is stored already
            staged.unlink(missing_ok=True)
        else:
            staged.replace(target)


def _drop_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        for staged, _ in _take_pending(session):
            staged.unlink(missing_ok=True)


def _take_pending(session: Session) -> list[tuple[Path, Path]]:
    pending: list[tuple[Path, Path]] = session.info.get(_PENDING) or []
    taken = list(pending)
    pending.clear()
    return taken


def attachment_path(root: str | Path, attachment: Attachment) -> Path:
    return Path(root) / attachment.sha256
