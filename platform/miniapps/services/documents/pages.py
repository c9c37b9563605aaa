"""What the library pages show, loaded through the permission checks: a keeper's list
(the documents kept at an organisation or beneath it, across its practices), a
practice's list (the documents that apply to it), one document from either side, and a
practice's or a person's read-and-sign coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.models import App, DocumentVersion, Organisation, Record, User
from miniapps.services.documents.errors import DocumentNotFound
from miniapps.services.documents.scope import (
    documents_above,
    documents_kept_within,
    is_targeted_at,
    local_today,
    practices_under,
    require_library,
    sees_as_keeper,
)
from miniapps.services.documents.state import LibraryState, load_state
from miniapps.services.permissions import READ, Access, Forbidden

# Roles that see a practice's read-and-sign figures person by person.
COVERAGE_ROLES = frozenset({"practice_manager", "pcn_manager", "icb_viewer", "platform_admin"})


@dataclass(frozen=True)
class LibraryPage:
    side: str  # "keeper" (an organisation keeping documents) or "practice"
    org: Organisation
    state: LibraryState


def library_page(
    session: Session, access: Access, app: App, org: Organisation, now: datetime
) -> LibraryPage:
    """The library as ``org`` sees it: a practice's documents, or those kept at ``org``
    and beneath it. 404 where the user may not read ``app`` at ``org``."""
    settings = require_library(session, app)
    if not access.can(READ, org, app):
        raise DocumentNotFound(
            f"There is no library of {app.title} for {org.name} that you can see."
        )
    today = local_today(now)
    if org.type == "practice":
        practices = [org] if is_targeted_at(session, app, org) else []
        records = documents_above(session, app, org) if practices else []
        return LibraryPage(
            "practice", org, load_state(session, app, settings, records, practices, today)
        )
    records = [
        r for r in documents_kept_within(session, app, org) if sees_as_keeper(access, app, r)
    ]
    practices = practices_under(session, app, org)
    return LibraryPage("keeper", org, load_state(session, app, settings, records, practices, today))


def document_page(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    practice: Organisation | None,
    now: datetime,
) -> LibraryPage:
    """One document (found visible by :func:`~.scope.find_document`): from ``practice``'s
    side when given (404 unless it applies there and the user reads that practice's
    library), else from the keeper's (404 for those who are not keepers)."""
    settings = require_library(session, app)
    today = local_today(now)
    if practice is not None:
        applies = (
            practice.type == "practice"
            and record.status != "draft"
            and practice.path.startswith(record.organisation.path)
            and access.can(READ, practice, app)
            and is_targeted_at(session, app, practice)
        )
        if not applies:
            raise DocumentNotFound(
                f"There is no document {record.id} for {practice.name} that you can see."
            )
        state = load_state(session, app, settings, [record], [practice], today)
        return LibraryPage("practice", practice, state)
    if not sees_as_keeper(access, app, record):
        raise DocumentNotFound(f"There is no document {record.id} that you can see.")
    practices = practices_under(session, app, record.organisation)
    state = load_state(session, app, settings, [record], practices, today)
    return LibraryPage("keeper", record.organisation, state)


def may_see_coverage(access: Access, practice: Organisation) -> bool:
    """Managers (and those above them) see a practice's figures person by person."""
    return access.is_admin or bool(access.roles_at(practice) & COVERAGE_ROLES)


def coverage_page(
    session: Session, access: Access, app: App, practice: Organisation, now: datetime
) -> LibraryPage:
    """A practice's people by documents: 404 unless the user reads its library, 403 for
    those who only see their own figures."""
    page = library_page(session, access, app, practice, now)
    if page.side != "practice":
        raise DocumentNotFound(f"{practice.name} is not a practice.")
    if not may_see_coverage(access, practice):
        raise Forbidden(f"Only the managers of {practice.name} see everyone's read-and-sign.")
    return page


def person_page(
    session: Session,
    access: Access,
    app: App,
    practice: Organisation,
    person: User,
    now: datetime,
) -> LibraryPage:
    """One person's documents at a practice: for themselves or the practice's managers."""
    page = library_page(session, access, app, practice, now)
    own = access.user is not None and access.user.id == person.id
    member = any(m.organisation_id == practice.id for m in person.memberships)
    if page.side != "practice" or not member or not (own or may_see_coverage(access, practice)):
        raise DocumentNotFound(f"There is nobody of {practice.name} here that you can see.")
    return page


def versions_panel(
    session: Session, access: Access, app: App, record: Record, definition: AppDefinition
) -> dict[str, Any] | None:
    """The record page's panel for a document: its versions, the current one and the
    library link (None for records of other apps, or for those who do not keep it)."""
    if definition.documents is None or not sees_as_keeper(access, app, record):
        return None
    query = select(DocumentVersion).where(DocumentVersion.record_id == record.id)
    versions = list(session.scalars(query.order_by(DocumentVersion.number.desc())))
    return {
        "versions": versions,
        "current": next((v for v in versions if v.status == "published"), None),
        "app_id": app.id,
        "record_id": record.id,
        "org": record.organisation.ods,
    }
