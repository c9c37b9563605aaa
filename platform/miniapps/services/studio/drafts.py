"""Studio drafts: who may use the studio, which drafts they see, and saving a draft
without ever losing a change.

A draft belongs to an organisation whose publishers share it: a PCN manager's drafts
are seen by the PCN's other publishers, a stakeholder user's by the people of their
stakeholder organisation; a draft with no organisation by platform admins only. Its
author always sees it. Every save is kept (:class:`DraftSave`), so the draft can go back
to any earlier one. A save names the revision it started from: if someone saved since,
it is refused with :class:`DraftConflict` (a compare-and-set on ``revision``), never
written over.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true, update
from sqlalchemy.orm import Session, object_session

from miniapps.models import App, DraftSave, Organisation, StudioDraft, User
from miniapps.models.base import utcnow
from miniapps.models.organisation import subtree
from miniapps.services.definitions import latest_version
from miniapps.services.permissions import PUBLISH, ROLE_ACTIONS, Access, Forbidden
from miniapps.services.publish_rights import not_owned

SUMMARY_LENGTH = 300


class DraftNotFound(Exception):
    """No such draft, or one the user may not see (a 404 either way, never a 403)."""


class DraftConflict(Exception):
    """Someone saved the draft since the revision a save started from."""

    def __init__(self, latest: DraftSave) -> None:
        self.latest = latest
        super().__init__(f"the draft was saved since: it is now at save {latest.revision}")


class DraftClosed(Exception):
    """The draft was published or discarded: it takes no more saves."""


def may_use_studio(access: Access) -> bool:
    """Whether the user may publish somewhere: PCN managers, platform admins, and the
    people of a stakeholder organisation with an area (their own collections)."""
    return access.is_admin or access.may_anywhere(PUBLISH)


def _visible_clause(access: Access) -> ColumnElement[bool]:
    """SQL condition on :class:`StudioDraft` (joined outer to its organisation)."""
    if not may_use_studio(access):
        return false()
    if access.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if access.user is not None:
        clauses.append(StudioDraft.created_by_id == access.user.id)
    if access.stakeholder_org_ids:
        clauses.append(StudioDraft.organisation_id.in_(sorted(access.stakeholder_org_ids)))
    for m in access.memberships:
        if PUBLISH in ROLE_ACTIONS.get(m.role, ()):
            clauses.append((Organisation.type != "stakeholder") & subtree(m.organisation.path))
    return or_(*clauses) if clauses else false()


def _visible_query(access: Access) -> Select[StudioDraft]:
    return (
        select(StudioDraft)
        .outerjoin(Organisation, StudioDraft.organisation_id == Organisation.id)
        .where(_visible_clause(access))
    )


def visible_drafts(session: Session, access: Access) -> list[StudioDraft]:
    """The open drafts the user shares, most recently saved first."""
    query = _visible_query(access).where(StudioDraft.status == "open")
    return list(session.scalars(query.order_by(StudioDraft.updated_at.desc(), StudioDraft.id)))


def find_draft(session: Session, access: Access, draft_id: int) -> StudioDraft:
    """The draft, if the user may see it; :class:`DraftNotFound` otherwise."""
    draft = session.scalars(_visible_query(access).where(StudioDraft.id == draft_id)).first()
    if draft is None:
        raise DraftNotFound(f"There is no draft {draft_id}.")
    return draft


def home_organisation(access: Access, app: App | None = None) -> Organisation | None:
    """Whose publishers share a draft the user starts: an owned app's stakeholder
    organisation, else the highest organisation where the user may publish by role, else
    their first stakeholder organisation with an area; None for platform admins."""
    if app is not None and app.owner_id is not None:
        return app.owner
    if access.is_admin:
        return None
    by_role = [
        m.organisation
        for m in access.memberships
        if PUBLISH in ROLE_ACTIONS.get(m.role, ()) and m.role != "platform_admin"
    ]
    if by_role:
        return min(by_role, key=lambda org: (len(org.path), org.path))
    with_area = access.stakeholders_with_area()
    return with_area[0] if with_area else None


def start_draft(
    session: Session,
    access: Access,
    user: User | None,
    definition: dict[str, Any],
    summary: str,
    *,
    based_on_version: int | None = None,
    organisation: Organisation | None = None,
) -> StudioDraft:
    """A new draft holding ``definition`` as its first save (it need not be valid yet)."""
    if not may_use_studio(access):
        raise Forbidden(access.publish_refusal())
    draft = StudioDraft(
        app_id=_text(definition.get("id"), 64),
        title=_text(definition.get("title"), 200),
        organisation=organisation if organisation is not None else home_organisation(access),
        created_by_id=user.id if user is not None else None,
        revision=1,
        based_on_version=based_on_version,
        status="open",
    )
    session.add(draft)
    session.flush()
    session.add(_save_row(draft, 1, definition, user, summary))
    session.flush()
    return draft


def draft_from_app(session: Session, access: Access, user: User | None, app: App) -> StudioDraft:
    """A draft of ``app``'s next version: its latest definition with the version one up
    (and no migration: the next one is chosen when publishing). An open draft of the app
    that the user already shares is returned instead of a second one."""
    if not may_use_studio(access):
        raise Forbidden(access.publish_refusal())
    problem = not_owned(access, app)
    if problem:
        raise Forbidden(problem)
    existing = session.scalars(
        _visible_query(access)
        .where(StudioDraft.app_id == app.id, StudioDraft.status == "open")
        .order_by(StudioDraft.updated_at.desc())
    ).first()
    if existing is not None:
        return existing
    latest = latest_version(session, app.id)
    if latest is None:
        raise DraftNotFound(f"{app.title} has no published version to change.")
    definition = copy.deepcopy(latest.definition)
    definition.pop("migration", None)
    definition["version"] = latest.version + 1
    return start_draft(
        session,
        access,
        user,
        definition,
        f"Started from version {latest.version}",
        based_on_version=latest.version,
        organisation=home_organisation(access, app),
    )


def latest_save(session: Session, draft: StudioDraft) -> DraftSave:
    """The draft's current save (revision ``draft.revision``)."""
    return session.scalars(
        select(DraftSave).where(
            DraftSave.draft_id == draft.id, DraftSave.revision == draft.revision
        )
    ).one()


def current_definition(draft: StudioDraft) -> dict[str, Any]:
    """A copy of the draft's current definition (change it freely)."""
    session = object_session(draft)
    if session is None:
        raise DraftNotFound("The draft is not attached to a session.")
    return copy.deepcopy(latest_save(session, draft).definition)


def save_draft(
    session: Session,
    draft: StudioDraft,
    user: User | None,
    definition: dict[str, Any],
    *,
    expected_revision: int,
    summary: str,
) -> DraftSave:
    """Save ``definition`` as the draft's next revision, if nobody saved since
    ``expected_revision`` (:class:`DraftConflict` otherwise). Saving what the draft
    already holds writes nothing and returns the current save."""
    if draft.status != "open":
        raise DraftClosed(f"{draft.title or 'This draft'} is {draft.status}: it takes no saves.")
    session.refresh(draft)  # another request may have saved since this one loaded it
    current = latest_save(session, draft)
    if _same_text(current.definition, definition):  # order counts: a moved question
        return current
    if draft.revision != expected_revision:
        raise DraftConflict(current)
    # The compare-and-set: on PostgreSQL a concurrent save waits for this row's lock and
    # then finds ``revision`` changed (no row updated); SQLite writes one at a time.
    done = session.execute(
        update(StudioDraft)
        .where(
            StudioDraft.id == draft.id,
            StudioDraft.revision == expected_revision,
            StudioDraft.status == "open",
        )
        .values(
            revision=expected_revision + 1,
            updated_at=utcnow(),
            app_id=_text(definition.get("id"), 64),
            title=_text(definition.get("title"), 200),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        session.refresh(draft)
        raise DraftConflict(latest_save(session, draft))
    session.refresh(draft)
    save = _save_row(draft, expected_revision + 1, definition, user, summary)
    session.add(save)
    session.flush()
    return save


def draft_history(session: Session, draft: StudioDraft) -> list[DraftSave]:
    """Every save of the draft, newest first."""
    return list(
        session.scalars(
            select(DraftSave)
            .where(DraftSave.draft_id == draft.id)
            .order_by(DraftSave.revision.desc())
        )
    )


def restore_save(
    session: Session,
    draft: StudioDraft,
    user: User | None,
    revision: int,
    *,
    expected_revision: int,
) -> DraftSave:
    """Go back to save ``revision``: a new save holding its definition (the saves after
    it stay in the history, so going back can itself be undone)."""
    earlier = session.scalars(
        select(DraftSave).where(DraftSave.draft_id == draft.id, DraftSave.revision == revision)
    ).first()
    if earlier is None:
        raise DraftNotFound(f"This draft has no save {revision}.")
    return save_draft(
        session,
        draft,
        user,
        copy.deepcopy(earlier.definition),
        expected_revision=expected_revision,
        summary=f"Went back to save {revision}",
    )


def discard_draft(session: Session, draft: StudioDraft, user: User | None = None) -> None:
    """Close the draft without publishing (its saves are kept)."""
    if draft.status != "open":
        raise DraftClosed(f"{draft.title or 'This draft'} is already {draft.status}.")
    draft.status = "discarded"
    draft.updated_at = utcnow()
    session.flush()


def mark_published(session: Session, draft: StudioDraft) -> None:
    """Close the draft: its definition was published."""
    draft.status = "published"
    draft.updated_at = utcnow()
    session.flush()


def _same_text(stored: Any, definition: dict[str, Any]) -> bool:
    """Whether ``definition`` is what is stored, member order included (``dict`` equality
    ignores order, and the order of ``properties`` is the form's order)."""
    return json.dumps(stored, default=str) == json.dumps(definition, default=str)


def _save_row(
    draft: StudioDraft,
    revision: int,
    definition: dict[str, Any],
    user: User | None,
    summary: str,
) -> DraftSave:
    return DraftSave(
        draft_id=draft.id,
        revision=revision,
        definition=copy.deepcopy(definition),
        summary=_text(summary, SUMMARY_LENGTH) or "Saved",
        saved_by_id=user.id if user is not None else None,
    )


def _text(value: Any, length: int) -> str:
    """A string member of a definition being edited (it may still be missing or wrong)."""
    return value[:length] if isinstance(value, str) else ""
