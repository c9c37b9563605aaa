"""File attachments of records: stored by content hash under UPLOADS_DIR, described in the DB."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy.orm import Session

from miniapps.models import App, Attachment, Organisation, User
from miniapps.services.permissions import READ, Access


class Upload(Protocol):
    filename: str | None
    mimetype: str
    stream: BinaryIO


class AttachmentStore:
    """The ``file_store`` the form compiler saves uploads through."""

    def __init__(
        self, session: Session, root: str | Path, app_id: str, org: Organisation, user: User | None
    ) -> None:
        self.session, self.root = session, Path(root)
        self.app_id, self.org, self.user = app_id, org, user

    def save(self, upload: Upload, field_pointer: str) -> str:
        content = upload.stream.read()
        digest = hashlib.sha256(content).hexdigest()
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / digest
        if not target.exists():
            target.write_bytes(content)
        attachment = Attachment(
            id=str(uuid.uuid4()),
            app_id=self.app_id,
            organisation_id=self.org.id,
            field_pointer=field_pointer,
            filename=Path(upload.filename or "upload").name[:255],
            content_type=upload.mimetype or "application/octet-stream",
            size=len(content),
            sha256=digest,
            uploaded_by_id=self.user.id if self.user else None,
        )
        self.session.add(attachment)
        self.session.flush()
        return attachment.id


def readable_attachment(
    session: Session, access: Access, app: App, attachment_id: str
) -> Attachment | None:
    """The attachment of ``app`` when the caller may read its organisation's records."""
    found = session.get(Attachment, attachment_id)
    org = session.get(Organisation, found.organisation_id) if found else None
    if found is None or found.app_id != app.id or org is None or not access.can(READ, org, app):
        return None
    return found


def attachment_path(root: str | Path, attachment: Attachment) -> Path:
    return Path(root) / attachment.sha256
