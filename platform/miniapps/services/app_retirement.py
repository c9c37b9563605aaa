"""Retiring an app: it takes no new records through any write path (the form, the API,
imports), its reminders and chasers stop, and everything already stored stays listed,
readable and exportable. Publishing a new version brings it back.

Also the app's version history (who published which version when), for its About page.
This module imports models and the permission rules only, so that the record write path
can ask it without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from miniapps.core.errors import MiniappsError
from miniapps.models import App, AppVersion, AuditEntry, User
from miniapps.services.permissions import PUBLISH, Access, Forbidden

# Apps whose records are listed and read: published ones and retired ones.
READABLE_STATUSES = ("published", "retired")


class AppRetired(MiniappsError):
    """The app is retired: no new records can be added to it."""

    code = "app_retired"
    kind = "conflict"

    def __init__(self, app: App) -> None:
        self.app_id = app.id
        super().__init__(retired_message(app))


class RetireRefused(MiniappsError):
    """The app cannot be retired in its current state (not published)."""

    code = "retire_refused"
    kind = "conflict"


@dataclass(frozen=True)
class VersionEntry:
    """One published version of an app, for its history."""

    version: int
    title: str
    published_at: datetime
    published_by: str | None  # the publisher's name; None: the platform (CLI, demo)
    content_hash: str


def retired_message(app: App) -> str:
    return f"{app.title} is retired: no new records can be added"


def is_readable(app: App | None) -> TypeGuard[App]:
    """Whether ``app``'s records may be listed and read (published or retired)."""
    return app is not None and app.status in READABLE_STATUSES


def readable_clause() -> ColumnElement[bool]:
    """SQL condition on :class:`App`: published or retired."""
    return App.status.in_(READABLE_STATUSES)


def refuse_if_retired(app: App) -> None:
    """:class:`AppRetired` when ``app`` is retired (every write path that adds a record
    asks this first, after who may write there)."""
    if app.status == "retired":
        raise AppRetired(app)


def may_retire(session: Session, access: Access, app: App) -> bool:
    """Whether the user may retire ``app``: they may publish a new version of it."""
    return _refusal(session, access, app) is None


def retire_app(session: Session, access: Access, user: User | None, app: App) -> None:
    """Retire ``app`` (audited): :class:`Forbidden` for someone who may not publish a new
    version of it, :class:`RetireRefused` when it is not published."""
    problem = _refusal(session, access, app)
    if problem is not None:
        raise Forbidden(problem)
    if app.status != "published":
        raise RetireRefused(f"{app.title} is {app.status}, so it cannot be retired.")
    app.status = "retired"
    session.add(
        AuditEntry(
            app_id=app.id,
            actor_id=user.id if user is not None else None,
            action="retire",
            changes=[{"pointer": "/status", "old": "published", "new": "retired"}],
        )
    )
    session.flush()


def version_history(session: Session, app: App) -> list[VersionEntry]:
    """Every published version of ``app`` with its publisher's name, newest first."""
    rows = session.execute(
        select(AppVersion, User.name)
        .outerjoin(User, AppVersion.published_by_id == User.id)
        .where(AppVersion.app_id == app.id)
        .order_by(AppVersion.version.desc())
    )
    return [
        VersionEntry(v.version, v.title, v.published_at, name, v.content_hash) for v, name in rows
    ]


def _refusal(session: Session, access: Access, app: App) -> str | None:
    """Why the user may not retire ``app`` (None: they may): the rule for publishing a
    new version of it (:func:`~miniapps.services.publish_rights.not_owned`)."""
    if access.is_admin:
        return None
    refused = f"You may not retire {app.title}: only those who may publish it can."
    if not app.targets or not access.orgs(session, PUBLISH, app):
        return refused
    if app.owner is not None and not access.owns(app):
        owner = app.owner
        return f"{app.title} belongs to {owner.name} ({owner.ods}): only its people can retire it."
    for target in app.targets:
        if not access.can(PUBLISH, target.organisation, app):
            org = target.organisation
            return (
                f"{app.title} is also published to {org.name} ({org.ods}): only someone "
                "who may publish there can retire it."
            )
    return None
