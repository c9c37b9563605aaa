"""Which apps a user may know exist: listed for them, or seen by id.

An app is visible to an admin, to its owners, and to anyone who may read at an active
organisation it is published to (or below one it is published to). Anyone else is told
nothing about it, not even its title (pages and the API answer 404).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import ColumnElement, Exists, select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.app_retirement import is_readable, readable_clause
from miniapps.services.permissions import READ, Access, targeted_clause


def visible_apps(session: Session, access: Access) -> list[App]:
    """Published apps targeted at an organisation where the user may read or write
    records, and the ad hoc apps of the user's stakeholder organisations."""
    apps = list(session.scalars(select(App).where(readable_clause()).order_by(App.title)))
    if access.is_admin:
        return apps
    readable = [o.id for o in access.orgs(session, READ)]
    return [app for app in apps if access.owns(app) or _targeted_at(session, app, readable)]


def sees_app(session: Session, access: Access, app: App) -> bool:
    """Whether ``access`` may know that ``app`` exists: it is in their list of apps
    (:func:`visible_apps`). Anyone else is told nothing about it, not even its title."""
    if not is_readable(app):
        return access.is_admin
    if access.is_admin or access.owns(app):
        return True
    return bool(session.scalar(select(published_to_reader(access, app.id))))


def published_to_reader(access: Access, app_id: str) -> Exists:
    """Whether app ``app_id`` is published to (or above) an active organisation where
    ``access`` may read: the condition of :func:`sees_app` for everyone but admins and
    owners, as a clause to ask inside another statement."""
    return _published_to(app_id, access.org_clause(READ))


@lru_cache(maxsize=1024)
def _published_to(app_id: str, readable: ColumnElement[bool]) -> Exists:
    """:func:`published_to_reader` for one app and one reader's condition (made once per
    shape: most readers share a few; building it cost more than running it)."""
    return (
        select(Organisation.id)
        .where(targeted_clause(app_id), readable, Organisation.active)
        .exists()
    )


def _targeted_at(session: Session, app: App, org_ids: list[int]) -> bool:
    """Whether ``app`` is published to one of ``org_ids`` (or to one above it)."""
    query = select(Organisation.id).where(targeted_clause(app.id), Organisation.id.in_(org_ids))
    return session.scalars(query.limit(1)).first() is not None
