"""The one filter, :class:`Access`: what one user may do where, from their memberships
(see the package's description), and :class:`SystemAccess` for the platform itself."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from miniapps.models import App, ChannelItem, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.channels.stakeholders import area_path
from miniapps.services.permissions.rules import (
    DASHBOARD,
    OWNER_ACTIONS,
    PUBLISH,
    READ,
    WRITE,
    app_roles,
    grants,
    has_subject,
)


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
        # Those with an area (a parent), by id: the path prefix of the area each covers.
        self._areas: dict[int, str] = {}
        self._known_prefixes: dict[tuple[str, str | None, int | None], list[str] | None] = {}
        for m in self.memberships:
            area = area_path(m.organisation) if m.role == "stakeholder" else None
            if area is not None:
                self._areas[m.organisation_id] = area

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
            if not grants(m.role, action, allowed):
                continue
            if m.role == "platform_admin":
                return None
            prefixes.append(m.organisation.path)
        return prefixes

    def _role_prefixes(self, action: str, app: App | None) -> list[str] | None:
        """:meth:`_prefixes` for ``action`` on ``app``. An owned app is published again
        only by its owner (:meth:`_owner_areas`) or a platform admin."""
        if action == PUBLISH and app is not None and app.owner_id is not None:
            return None if self.is_admin else []
        # Asked several times a request (each asks the app's definition): kept per app version.
        key = (action, app.id, app.latest_version) if app is not None else (action, None, None)
        if key not in self._known_prefixes:
            self._known_prefixes[key] = self._prefixes(action, app_roles(app, action))
        return self._known_prefixes[key]

    def _owner_areas(self, action: str, app: App | None) -> list[str]:
        """Areas (path prefixes) where a stakeholder membership grants ``action`` on
        ``app``: its own organisation's app (or, to publish, a new one). Providers only:
        the stakeholder organisations of an area are never in it."""
        if action not in OWNER_ACTIONS:
            return []
        if app is None:
            return sorted(set(self._areas.values())) if action == PUBLISH else []
        area = self._areas.get(app.owner_id) if app.owner_id is not None else None
        return [area] if area is not None else []

    def stakeholders_with_area(self) -> list[Organisation]:
        """The user's stakeholder organisations that cover an area (and so may publish ad
        hoc apps to it)."""
        return [
            m.organisation
            for m in self.memberships
            if m.role == "stakeholder" and m.organisation_id in self._areas
        ]

    def owns(self, app: App) -> bool:
        """Whether ``app`` is an ad hoc app of one of the user's stakeholder organisations."""
        return app.owner_id is not None and app.owner_id in self.stakeholder_org_ids

    def scope_org(self, org: Organisation, app: App) -> Organisation:
        """Where to look at ``app``'s records from when acting for ``org``: ``org`` itself,
        but its area (its parent) for a stakeholder organisation that owns ``app``."""
        if app.owner_id == org.id and org.id in self._areas and org.parent is not None:
            return org.parent
        return org

    def may_anywhere(self, action: str) -> bool:
        """Whether any membership grants ``action`` (e.g. to show a "Publish" link)."""
        return self.may_anywhere_by_role(action) or bool(self._owner_areas(action, None))

    def may_anywhere_by_role(self, action: str) -> bool:
        """:meth:`may_anywhere`, by a role of the provider tree (not as a stakeholder)."""
        return self._prefixes(action) != []

    def org_clause(self, action: str, app: App | None = None) -> ColumnElement[bool]:
        """SQL condition on :class:`Organisation` for organisations where ``action`` is allowed."""
        prefixes = self._role_prefixes(action, app)
        if prefixes is None:
            return true()
        return _org_clause(tuple(prefixes), tuple(self._owner_areas(action, app)))

    def can(self, action: str, org: Organisation, app: App | None = None) -> bool:
        prefixes = self._role_prefixes(action, app)
        if prefixes is None or any(org.path.startswith(p) for p in prefixes):
            return True
        return org.type != "stakeholder" and any(
            org.path.startswith(area) for area in self._owner_areas(action, app)
        )

    def can_from_above(self, action: str, org: Organisation, app: App | None = None) -> bool:
        """:meth:`can`, granted by a role held above ``org`` (not at ``org`` itself): the
        level above reviews what an organisation returns. (An owner's area grants no
        review: it reads and publishes only.)"""
        prefixes = self._role_prefixes(action, app)
        return prefixes is None or any(org.path.startswith(p) and org.path != p for p in prefixes)

    def require(self, action: str, org: Organisation, app: App | None = None) -> None:
        if not self.can(action, org, app):
            raise Forbidden(f"You may not {action} records for {org.name} ({org.ods}).")

    def publish_refusal(self, org: Organisation | None = None) -> str:
        """Why the user may not publish at all (or to ``org``): a 403 message that says
        what a stakeholder lacks (an area) or where its area ends."""
        stakeholders = [m.organisation for m in self.memberships if m.role == "stakeholder"]
        with_area = self.stakeholders_with_area()
        if org is None:
            if not self.may_anywhere_by_role(PUBLISH) and stakeholders and not with_area:
                lacking = stakeholders[0]
                return (
                    f"{lacking.name} ({lacking.ods}) covers no area, so it cannot publish "
                    "apps: a stakeholder organisation publishes only to the organisations "
                    "beneath its parent (a Place or an ICB), and it has no parent. Ask a "
                    "platform administrator to set its area."
                )
            return "You may not publish apps."
        refused = f"You may not publish to {org.name} ({org.ods})"
        if with_area and not self.may_anywhere_by_role(PUBLISH):
            names = ", ".join(f"{s.name} ({s.ods})" for s in with_area)
            return f"{refused}: it is outside the area that {names} covers."
        return refused + "."

    def publishing_owner(self, targets: Iterable[Organisation]) -> Organisation | None:
        """The stakeholder organisation a new app published to ``targets`` belongs to: None
        when the user's roles allow publishing to them all (an app of the provider tree),
        else the first of their stakeholder organisations whose area holds every target.
        :class:`Forbidden` when neither does (targets of two areas)."""
        wanted = list(targets)
        roles = self._prefixes(PUBLISH)
        if roles is None or all(any(o.path.startswith(p) for p in roles) for o in wanted):
            return None
        for m in self.memberships:
            area = self._areas.get(m.organisation_id) if m.role == "stakeholder" else None
            if area is not None and all(
                o.path.startswith(area) and o.type != "stakeholder" for o in wanted
            ):
                return m.organisation
        raise Forbidden(
            "Publish to the organisations of one area at a time: an ad hoc app belongs to "
            "one stakeholder organisation and reaches only its area."
        )

    def orgs(self, session: Session, action: str, app: App | None = None) -> list[Organisation]:
        query = select(Organisation).where(self.org_clause(action, app), Organisation.active)
        return list(session.scalars(query.order_by(Organisation.path)))

    def record_clause(self, app: App | None = None) -> ColumnElement[bool]:
        """Records visible to the user: submitted ones where they may read, drafts where they
        may write, those their stakeholder organisation holds as channel items, and
        submitted ones about an organisation where they may read (:meth:`sees_as_subject`).
        Use with a join to :class:`Organisation`."""
        clauses = [
            and_(Record.status != "draft", self.org_clause(READ, app)),
            self.org_clause(WRITE, app),
        ]
        if app is None or has_subject(app):
            # Its own organisations table: the outer one is the record's writer.
            readable = select(Organisation.id).where(self.org_clause(READ, app)).correlate(None)
            clauses.append(and_(Record.status != "draft", Record.subject_id.in_(readable)))
        if self.stakeholder_org_ids:
            held = select(ChannelItem.record_id).where(
                ChannelItem.stakeholder_id.in_(sorted(self.stakeholder_org_ids))
            )
            clauses.append(Record.id.in_(held))
        return or_(*clauses)

    def may_list_records(self, app: App) -> bool:
        """Whether any of ``app``'s records may be listed to the user at all: they read or
        write them somewhere, or hold channel items. Not those who only see its figures
        (:data:`DASHBOARD`): its record lists and exports are a 404 to them."""
        return bool(self.stakeholder_org_ids) or any(
            self._role_prefixes(action, app) != [] or self._owner_areas(action, app)
            for action in (READ, WRITE)
        )

    def counts_beyond_reading(self, app: App) -> bool:
        """Whether the user sees ``app``'s figures (:data:`DASHBOARD`) somewhere they may
        not read its records (never for an app without ``permissions.dashboard``)."""
        read, counted = self._role_prefixes(READ, app), self._role_prefixes(DASHBOARD, app)
        if read is None:
            return False
        return counted is None or any(not any(p.startswith(r) for r in read) for p in counted)

    def can_see_record(self, record: Record, app: App | None = None) -> bool:
        return (
            self.sees_as_provider(record, app)
            or self.holds_item(record)
            or self.sees_as_subject(record, app)
        )

    def sees_as_subject(self, record: Record, app: App | None = None) -> bool:
        """Whether the user reads ``record`` as the organisation it is about: it is
        submitted and they may read there."""
        subject = record.subject
        return record.status != "draft" and subject is not None and self.can(READ, subject, app)

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


@lru_cache(maxsize=1024)
def _org_clause(prefixes: tuple[str, ...], areas: tuple[str, ...]) -> ColumnElement[bool]:
    """:meth:`Access.org_clause` for these role paths and owner areas: made once per
    shape (most users share a few), as SQL expressions are immutable and building one
    cost more than running the query it goes into."""
    clauses = [subtree(p) for p in prefixes]
    clauses += [and_(subtree(area), Organisation.type != "stakeholder") for area in areas]
    return or_(*clauses) if clauses else false()


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
