"""The practice's side: adopt the current central version as it is, or with local
changes (the practice's own text kept beside the central one, with the reason), and
adopt each new version in turn. The central version itself is never the practice's to
change; an adoption is never edited: adopting a later version replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.documents.differences import text_lines
from miniapps.core.errors import Issue
from miniapps.models import App, DocumentAdoption, DocumentVersion, Organisation, Record, User
from miniapps.services.documents.errors import DocumentConflict, DocumentInvalid, DocumentNotFound
from miniapps.services.documents.library import get_version
from miniapps.services.documents.scope import (
    is_targeted_at,
    may_adopt,
    reading_practices,
    require_library,
)
from miniapps.services.permissions import Access, Forbidden

MODES = ("as_is", "local")
MAX_TEXT = 200_000
MAX_REASON = 2_000


def practice_for(
    session: Session, access: Access, app: App, record: Record, practice: Organisation
) -> Organisation:
    """``practice`` when the document applies to it and the user reads its library;
    else :class:`DocumentNotFound` (so nobody learns of documents beyond their reach)."""
    if practice.id not in {p.id for p in reading_practices(session, access, app, record)}:
        raise DocumentNotFound(
            f"There is no document {record.id} for {practice.name} ({practice.ods}) that you "
            "can see."
        )
    return practice


def require_adopter(access: Access, practice: Organisation) -> None:
    """403 unless the user manages ``practice`` (its managers adopt its documents)."""
    if not may_adopt(access, practice):
        raise Forbidden(f"Only the practice managers of {practice.name} adopt its documents.")


def live_adoption(
    session: Session, record: Record, practice: Organisation
) -> DocumentAdoption | None:
    """The practice's adoption of the document now in force (None: never adopted)."""
    return session.scalar(
        select(DocumentAdoption).where(
            DocumentAdoption.record_id == record.id,
            DocumentAdoption.organisation_id == practice.id,
            DocumentAdoption.replaced_at.is_(None),
        )
    )


def adoptions_of(
    session: Session, record: Record, practice: Organisation
) -> list[DocumentAdoption]:
    """Every adoption of the document by the practice, newest first (its history)."""
    query = select(DocumentAdoption).where(
        DocumentAdoption.record_id == record.id, DocumentAdoption.organisation_id == practice.id
    )
    return list(session.scalars(query.order_by(DocumentAdoption.id.desc())))


def adopt(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    number: int,
    practice: Organisation,
    actor: User | None,
    *,
    mode: str,
    local_text: str | None = None,
    reason: str | None = None,
    now: datetime,
) -> DocumentAdoption:
    """Adopt version ``number`` for ``practice``. Order of refusals: not visible (404),
    not a manager of the practice (403), not the current published version (409),
    adopted already (409), then what was sent (422, naming the field)."""
    require_library(session, app)
    practice_for(session, access, app, record, practice)
    if not is_targeted_at(session, app, practice):
        raise DocumentNotFound(f"{app.title} is not published to {practice.name}.")
    version = get_version(session, record, number)
    if version.status in ("draft", "approved"):
        raise DocumentNotFound(f"Document {record.id} has no published version {number}.")
    require_adopter(access, practice)
    if version.status != "published":
        raise DocumentConflict(
            f"Version {number} was superseded: adopt the current version instead.", "superseded"
        )
    current = live_adoption(session, record, practice)
    if current is not None and current.version_id == version.id:
        raise DocumentConflict(
            f"{practice.name} adopted version {number} already; a later version replaces it.",
            "adopted_already",
        )
    text, why = _checked(mode, local_text, reason, version)
    if current is not None:
        current.replaced_at = now
    adoption = DocumentAdoption(
        version_id=version.id,
        record_id=record.id,
        organisation_id=practice.id,
        mode=mode,
        local_text=text,
        reason=why,
        adopted_by_id=actor.id if actor is not None else None,
        adopted_at=now,
    )
    session.add(adoption)
    session.flush()
    return adoption


def _checked(
    mode: str, local_text: str | None, reason: str | None, version: DocumentVersion
) -> tuple[str | None, str | None]:
    """The local text and reason to keep for ``mode``, or :class:`DocumentInvalid`."""
    issues: list[Issue] = []
    if mode not in MODES:
        issues.append(
            Issue("/mode", "Choose whether to adopt it as it is or with local changes", "required")
        )
        raise DocumentInvalid(issues)
    if mode == "as_is":
        return None, None
    text = (local_text or "").strip()
    why = (reason or "").strip()
    if not text:
        issues.append(Issue("/local_text", "Enter your practice's version of the text", "required"))
    elif len(text) > MAX_TEXT:
        message = f"Your practice's text must be {MAX_TEXT:,} characters or fewer"
        issues.append(Issue("/local_text", message, "too_long"))
    elif text_lines(text) == text_lines(version.body):
        message = "Your text is the same as the central version: adopt it as it is instead"
        issues.append(Issue("/local_text", message, "unchanged"))
    if not why:
        issues.append(
            Issue("/reason", "Say why your practice changes the central text", "required")
        )
    elif len(why) > MAX_REASON:
        message = f"The reason must be {MAX_REASON:,} characters or fewer"
        issues.append(Issue("/reason", message, "too_long"))
    if issues:
        raise DocumentInvalid(issues)
    return text, why
