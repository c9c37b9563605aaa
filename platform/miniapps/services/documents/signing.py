"""Read-and-sign: the people whose role at a practice is one of a document's sign roles
acknowledge the version their practice adopted. Only the current version is signed: a
superseded one is refused (409), and a new central version starts coverage again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, DocumentSignature, Organisation, Record, User
from miniapps.services.documents.adoption import live_adoption
from miniapps.services.documents.errors import DocumentConflict, DocumentNotFound
from miniapps.services.documents.library import get_version
from miniapps.services.documents.notices import day_text
from miniapps.services.documents.scope import (
    document_facts,
    reading_practices,
    require_library,
    sign_roles_held,
)
from miniapps.services.permissions import Access, Forbidden


def sign(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    number: int,
    user: User,
    *,
    practice: Organisation | None = None,
    now: datetime,
) -> tuple[DocumentSignature, bool]:
    """``user`` signs version ``number`` at ``practice`` (default: the practice of theirs
    the document applies to where they must sign it). Answers the signature and whether
    it is new (signing again answers the first one). Refusals in order: not visible
    (404), not the user's to sign (403), superseded or not adopted there (409)."""
    settings = require_library(session, app)
    readable = reading_practices(session, access, app, record)
    version = get_version(session, record, number) if readable else None
    if version is None or version.status in ("draft", "approved"):
        raise DocumentNotFound(
            f"There is no version {number} of document {record.id} that you can see."
        )
    roles = document_facts(session, record, settings).sign_roles
    mine = [p for p in readable if sign_roles_held(user, p, roles)]
    if practice is not None:
        if practice.id not in {p.id for p in readable}:
            raise DocumentNotFound(
                f"There is no document {record.id} for {practice.name} that you can see."
            )
        mine = [p for p in mine if p.id == practice.id]
    if not mine:
        where = practice.name if practice is not None else "your practice"
        raise Forbidden(
            f"This document is signed at {where} by people with the role "
            f"{' or '.join(r.replace('_', ' ') for r in roles)} there; you are not one of them."
        )
    if version.status == "superseded":
        when = day_text(version.superseded_at.date()) if version.superseded_at else ""
        raise DocumentConflict(
            f"Version {number} was superseded on {when}: read and sign the current version "
            "instead.",
            "superseded",
        )
    existing = session.scalar(
        select(DocumentSignature).where(
            DocumentSignature.user_id == user.id, DocumentSignature.version_id == version.id
        )
    )
    if existing is not None:
        return existing, False
    adopted = [(p, a) for p in mine if (a := live_adoption(session, record, p)) is not None]
    here = next(((p, a) for p, a in adopted if a.version_id == version.id), None)
    if here is None:
        name = mine[0].name
        raise DocumentConflict(
            f"{name} has not adopted version {number} yet: it is signed once the practice "
            "adopts it.",
            "not_adopted",
        )
    at_practice, adoption = here
    signature = DocumentSignature(
        version_id=version.id,
        record_id=record.id,
        adoption_id=adoption.id,
        user_id=user.id,
        organisation_id=at_practice.id,
        signed_at=now,
    )
    session.add(signature)
    session.flush()
    return signature, True
