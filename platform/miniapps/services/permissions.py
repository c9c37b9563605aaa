"""The one permission filter: what a user may read, write, approve or publish, and where.

Every page, list, dashboard, export and API call asks :class:`Access`. Roles are
held per organisation and reach every organisation beneath it (materialised path).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from miniapps.models import App, AppTarget, ChannelItem, Organisation, Record, User
from miniapps.models.organisation import subtree

READ, WRITE, APPROVE, PUBLISH = "read", "write", "approve", "publish"
ACTIONS = (READ, WRITE, APPROVE, PUBLISH)

# Which roles grant which action on records of the member organisation and below.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "platform_admin": frozenset(ACTIONS),
    "icb_viewer": frozenset({READ}),
    "pcn_manager": frozenset({READ, WRITE, APPROVE, PUBLISH}),
    "practice_manager": frozenset({READ, WRITE, APPROVE}),
    "practice_staff": frozenset({READ, WRITE}),
    # Stakeholders see the records their organisation holds as channel items (and the
    # records of apps their organisation owns), nothing else.
    "stakeholder": frozenset(),
}


class Forbidden(Exception):
    """The user may not do this here."""


class Access:
    """What one user may do. Built once per request; cheap to ask."""

    def __init__(self, user: User | None) -> None:
        self.user = user
        self.memberships = list(user.memberships) if user is not None else []
        # Stakeholder organisations the user acts for: their channel items.
        self.stakeholder_org_ids = frozenset(
            m.organisation_id for m in self.memberships if m.role == "stakeholder"
        )

    @property
    def is_admin(self) -> bool:
        return any(m.role == "platform_admin" for m in self.memberships)

    def roles_at(self, org: Organisation) -> set[str]:
        """Roles the user holds at ``org`` or any organisation above it."""
        return {m.role for m in self.memberships if org.path.startswith(m.organisation.path)}

    def _prefixes(self, action: str, app_roles: Iterable[str] | None = None) -> list[str] | None:
        """Paths under which ``action`` is allowed; None means everywhere."""
        allowed = set(app_roles) if app_roles is not None else None
        prefixes: list[str] = []
        for m in self.memberships:
            if action not in ROLE_ACTIONS.get(m.role, ()):
                continue
            if allowed is not None and m.role not in allowed and m.role != "platform_admin":
                continue
            if m.role == "platform_admin":
                return None
            prefixes.append(m.organisation.path)
        return prefixes

    def may_anywhere(self, action: str) -> bool:
        """Whether any membership grants ``action`` (e.g. to show a "Publish" link)."""
        return self._prefixes(action) != []

    def org_clause(self, action: str, app: App | None = None) -> ColumnElement[bool]:
        """SQL condition on :class:`Organisation` for organisations where ``action`` is allowed."""
        prefixes = self._prefixes(action, app_roles(app, action))
        if prefixes is None:
            return true()
        if not prefixes:
            return false()
        return or_(*(subtree(p) for p in prefixes))

    def can(self, action: str, org: Organisation, app: App | None = None) -> bool:
        prefixes = self._prefixes(action, app_roles(app, action))
        return prefixes is None or any(org.path.startswith(p) for p in prefixes)

    def can_from_above(self, action: str, org: Organisation, app: App | None = None) -> bool:
        """:meth:`can`, granted by a role held above ``org`` (not at ``org`` itself): the
        level above reviews what an organisation returns."""
        prefixes = self._prefixes(action, app_roles(app, action))
        return prefixes is None or any(org.path.startswith(p) and org.path != p for p in prefixes)

    def require(self, action: str, org: Organisation, app: App | None = None) -> None:
        if not self.can(action, org, app):
            raise Forbidden(f"You may not {action} records for {org.name} ({org.ods}).")

    def orgs(self, session: Session, action: str, app: App | None = None) -> list[Organisation]:
        query = select(Organisation).where(self.org_clause(action, app), Organisation.active)
        return list(session.scalars(query.order_by(Organisation.path)))

    def record_clause(self, app: App | None = None) -> ColumnElement[bool]:
        """Records visible to the user: submitted ones where they may read, drafts where they
        may write, and those their stakeholder organisation holds as channel items. Use with
        a join to :class:`Organisation`."""
        clauses = [
            and_(Record.status != "draft", self.org_clause(READ, app)),
            self.org_clause(WRITE, app),
        ]
        if self.stakeholder_org_ids:
            held = select(ChannelItem.record_id).where(
                ChannelItem.stakeholder_id.in_(sorted(self.stakeholder_org_ids))
            )
            clauses.append(Record.id.in_(held))
        return or_(*clauses)

    def can_see_record(self, record: Record, app: App | None = None) -> bool:
        return self.sees_as_provider(record, app) or self.holds_item(record)

    def sees_as_provider(self, record: Record, app: App | None = None) -> bool:
        """Whether the user sees ``record`` from the provider tree (their usual access)."""
        if record.status == "draft":
            return self.can(WRITE, record.organisation, app)
        return self.can(READ, record.organisation, app)

    def holds_item(self, record: Record) -> bool:
        """Whether one of the user's stakeholder organisations holds ``record`` as a
        channel item (and so sees it, and takes its stakeholder-side steps)."""
        return bool(self.stakeholder_org_ids) and any(
            item.stakeholder_id in self.stakeholder_org_ids for item in record.channel_items
        )


class SystemAccess(Access):
    """The platform acting for itself (the CLI, jobs): allowed everything, everywhere."""

    def __init__(self) -> None:
        super().__init__(None)

    @property
    def is_admin(self) -> bool:
        return True

    def roles_at(self, org: Organisation) -> set[str]:
        return {"platform_admin"}

    def _prefixes(self, action: str, app_roles: Iterable[str] | None = None) -> list[str] | None:
        return None  # no restriction


def app_roles(app: App | None, action: str) -> list[str] | None:
    """Roles an app's ``permissions`` member allows for ``action`` (None: no restriction)."""
    if app is None or not app.versions:
        return None
    permissions: dict[str, Any] = app.versions[-1].definition.get("permissions") or {}
    roles = permissions.get(action)
    return list(roles) if roles is not None else None


def targeted_clause(app_id: str) -> ColumnElement[bool]:
    """SQL condition on :class:`Organisation`: the app is published to it or to one above it."""
    target = aliased(Organisation)  # an alias, so the outer Organisation is not correlated away
    return (
        select(AppTarget.id)
        .join(target, AppTarget.organisation_id == target.id)
        .where(AppTarget.app_id == app_id, Organisation.path.startswith(target.path))
        .exists()
    )


def is_targeted(session: Session, app_id: str, org: Organisation) -> bool:
    paths = session.scalars(
        select(Organisation.path)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app_id)
    )
    return any(org.path.startswith(p) for p in paths)
