"""Who may download an attachment: whoever may see a record that cites it.

An attachment belongs to the records whose answers hold its id (records of its own app
and organisation: data naming another practice's file never lends it out). It is
readable exactly when one of those records is, by the record page's own rule
(:func:`miniapps.services.records.listing.visible_record`): a draft only to those who may
edit it, a submitted record to its readers, a channel item to its stakeholder. A file
no record cites (a refused form's, a replaced answer's) is served to its uploader only.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from miniapps.models import App, Attachment, Record
from miniapps.services.app_retirement import is_readable
from miniapps.services.permissions import Access
from miniapps.services.records.listing import visible_record


def readable_attachment(
    session: Session, access: Access, app: App, attachment_id: str
) -> Attachment | None:
    """The attachment of ``app`` when the caller may see a record citing it (or, cited by
    none, uploaded it), else None: a 404, never saying which."""
    found = session.get(Attachment, attachment_id)
    if found is None or found.app_id != app.id or not is_readable(app):
        return None
    records = citing_records(session, found)
    if not records:
        uploader = access.user.id if access.user is not None else None
        return found if uploader is not None and found.uploaded_by_id == uploader else None
    if any(visible_record(session, access, record.id) is not None for record in records):
        return found
    return None


def citing_records(session: Session, attachment: Attachment) -> Sequence[Record]:
    """Records of the attachment's app and organisation whose answers hold its id."""
    query = select(Record).where(
        Record.app_id == attachment.app_id,
        Record.organisation_id == attachment.organisation_id,
        cast(Record.data, String).contains(attachment.id),
    )
    return [r for r in session.scalars(query.order_by(Record.id)) if _cites(r.data, attachment.id)]


def _cites(value: object, attachment_id: str) -> bool:
    """Whether ``attachment_id`` is one of the answers (not part of some longer text)."""
    if isinstance(value, str):
        return value == attachment_id
    if isinstance(value, dict):
        return any(_cites(item, attachment_id) for item in value.values())
    if isinstance(value, list):
        return any(_cites(item, attachment_id) for item in value)
    return False
