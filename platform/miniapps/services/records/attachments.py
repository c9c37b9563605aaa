"""File attachments of records: stored by content hash under UPLOADS_DIR, described in the DB."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, Attachment, ChannelItem, Organisation, Record, User
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
    """The attachment of ``app`` when the caller may read its organisation's records, or
    holds (as a stakeholder) a record of that organisation whose answers cite it."""
    found = session.get(Attachment, attachment_id)
    org = session.get(Organisation, found.organisation_id) if found else None
    if found is None or found.app_id != app.id or org is None:
        return None
    if access.can(READ, org, app) or _cited_by_held_record(session, access, found):
        return found
    return None


def _cited_by_held_record(session: Session, access: Access, attachment: Attachment) -> bool:
    if not access.stakeholder_org_ids:
        return False
    held = session.scalars(
        select(Record)
        .join(ChannelItem, ChannelItem.record_id == Record.id)
        .where(
            ChannelItem.stakeholder_id.in_(sorted(access.stakeholder_org_ids)),
            Record.app_id == attachment.app_id,
            Record.organisation_id == attachment.organisation_id,
        )
    )
    return any(attachment.id in json.dumps(record.data) for record in held)


def attachment_path(root: str | Path, attachment: Attachment) -> Path:
    return Path(root) / attachment.sha256
