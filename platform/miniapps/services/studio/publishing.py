"""Publishing a studio draft: the review (what changes, in words, against the published
version; what would stop it; the migration choices on offer; their effect on the stored
records) and the publish itself, which closes the draft.

The review stores nothing. Publishing goes through :func:`miniapps.services.apps.publish`
(the same checks as every other way of publishing) and is refused when the draft was saved
since the revision the user reviewed (:class:`~miniapps.services.studio.drafts.DraftConflict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.studio.change_words import describe_changes
from miniapps.core.studio.migration_choices import MigrationChoice, apply_choices, suggest_choices
from miniapps.models import Organisation, Record, StudioDraft, User
from miniapps.models.base import utcnow
from miniapps.services import app_visibility
from miniapps.services import apps as app_service
from miniapps.services.apps import Published
from miniapps.services.definitions import latest_version
from miniapps.services.permissions import Access
from miniapps.services.publish_rights import not_owned
from miniapps.services.studio.drafts import (
    DraftClosed,
    DraftConflict,
    current_definition,
    latest_save,
    save_draft,
)
from miniapps.services.studio.effect import MigrationEffect, migration_effect

if TYPE_CHECKING:
    from miniapps.models import DraftSave

__all__ = [
    "MigrationEffect",
    "NothingToMigrate",
    "PublishReview",
    "choose_migration",
    "migration_effect",
    "preview_effect",
    "publish_draft",
    "publish_review",
]


class NothingToMigrate(Exception):
    """A migration was chosen for an app that has no published version."""


@dataclass
class PublishReview:
    """Everything the publish page shows for a draft, computed without writing."""

    definition: AppDefinition | None  # None while the draft is not a valid definition
    issues: list[str]  # the validator's "<pointer>: message" lines
    problems: list[Issue]  # what would stop publishing (services.apps.publish_problems)
    changes: list[str]  # the changes in words against the latest published version
    suggested: list[MigrationChoice] = field(default_factory=list)
    effect: MigrationEffect | None = None  # None: no stored records to carry forward
    latest_version: int | None = None  # None: a new app
    revision: int = 0  # the draft's revision reviewed: publish with it

    @property
    def may_publish(self) -> bool:
        return self.definition is not None and not self.issues and not self.problems


def publish_review(session: Session, access: Access, draft: StudioDraft) -> PublishReview:
    """The review of ``draft`` for ``access``: nothing is stored."""
    raw = current_definition(draft)
    latest = latest_version(session, draft.app_id) if draft.app_id else None
    review = PublishReview(
        definition=None,
        issues=[],
        problems=[],
        changes=[],
        latest_version=latest.version if latest is not None else None,
        revision=draft.revision,
    )
    try:
        review.definition = validate_definition(raw)
    except DefinitionInvalid as exc:  # the changes are described once it is valid
        review.issues = [f"{issue.pointer}: {issue.message}" for issue in exc.issues]
        return review
    review.problems = app_service.publish_problems(session, access, review.definition)
    if latest is None or any(p.code == "forbidden" for p in review.problems):
        # Someone else's app under this id: tell nothing about it (its fields, its records).
        review.latest_version = None
        return review
    review.changes = describe_changes(latest.definition, raw)
    review.suggested = list(suggest_choices(latest.definition, raw))
    if _has_records(session, draft.app_id):
        review.effect = migration_effect(session, draft.app_id, raw)
    return review


def preview_effect(
    session: Session, access: Access, draft: StudioDraft, definition: dict[str, Any]
) -> MigrationEffect | None:
    """:func:`migration_effect` of ``definition`` (the draft's, with migration choices
    applied) on the stored records of the draft's app, for someone who may publish it;
    None when it has no stored records or is someone else's (nothing is told of it)."""
    app = app_service.get_app(session, draft.app_id) if draft.app_id else None
    if app is None or not app_visibility.sees_app(session, access, app):
        return None
    if not_owned(access, app) is not None or not _has_records(session, app.id):
        return None
    return migration_effect(session, app.id, definition)


def choose_migration(
    session: Session,
    draft: StudioDraft,
    user: User | None,
    chosen: list[MigrationChoice],
    *,
    expected_revision: int,
) -> DraftSave:
    """Write the chosen migration (renames, value maps, defaults) into the draft's
    definition as its ``migration`` member: a save like any other (it can be undone)."""
    latest = latest_version(session, draft.app_id)
    if latest is None:
        raise NothingToMigrate(f"{draft.title or 'This app'} is not published yet: no records.")
    raw = apply_choices(current_definition(draft), latest.version, chosen)
    words = "Chose how to carry the stored records forward" if chosen else "Cleared the migration"
    return save_draft(session, draft, user, raw, expected_revision=expected_revision, summary=words)


def publish_draft(
    session: Session,
    access: Access,
    user: User | None,
    draft: StudioDraft,
    targets: list[Organisation] | None,
    *,
    expected_revision: int,
) -> Published:
    """Publish the draft's current definition to ``targets`` (None: everywhere ``access``
    may) and close the draft. :class:`DraftConflict` when it was saved since
    ``expected_revision``; :class:`DefinitionInvalid`, :class:`IncompatibleChange` and
    :class:`Forbidden` as :func:`miniapps.services.apps.publish` raises them. The caller
    rolls back on any of these (nothing is kept half-way)."""
    if draft.status != "open":
        raise DraftClosed(f"{draft.title or 'This draft'} is already {draft.status}.")
    session.refresh(draft)
    if draft.revision != expected_revision:
        raise DraftConflict(latest_save(session, draft))
    definition = validate_definition(current_definition(draft))
    published = app_service.publish(session, definition, targets, user, access)
    closed = session.execute(
        update(StudioDraft)
        .where(
            StudioDraft.id == draft.id,
            StudioDraft.revision == expected_revision,
            StudioDraft.status == "open",
        )
        .values(status="published", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(closed, "rowcount", 0) != 1:
        session.refresh(draft)
        raise DraftConflict(latest_save(session, draft))
    session.refresh(draft)
    return published


def _has_records(session: Session, app_id: str) -> bool:
    return session.scalar(select(Record.id).where(Record.app_id == app_id).limit(1)) is not None
