"""Who may manage whom in the admin area: the one check, asked before any change.

A platform admin manages everything. A PCN manager manages, within the subtree of each
organisation where they hold ``pcn_manager``: the organisations strictly beneath it, the
people whose every role lies inside it, and roles up to their own level (never
``platform_admin``). Anyone else is refused. Listing follows the same scope: a PCN
manager sees the people holding any role inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from miniapps.core.errors import MiniappsError
from miniapps.models import ROLES, Membership, Organisation, User
from miniapps.models.organisation import subtree
from miniapps.services.permissions import Access, Forbidden

# What a PCN manager may grant: their own level and below, inside their PCN.
PCN_GRANTABLE = ("pcn_manager", "practice_manager", "practice_staff")


class AdminNotFound(MiniappsError):
    """No such thing, or not within the caller's admin scope (never say which)."""

    code = "not_found"
    kind = "not_found"


@dataclass(frozen=True)
class AdminScope:
    """What one user may manage; build it with :func:`admin_scope`."""

    actor: User | None
    is_admin: bool
    paths: tuple[str, ...]  # the PCN subtrees of a PCN manager (empty for an admin)

    @property
    def grantable_roles(self) -> tuple[str, ...]:
        return ROLES if self.is_admin else PCN_GRANTABLE

    def covers(self, org: Organisation) -> bool:
        """``org`` lies in the scope (a PCN manager's own PCN included)."""
        return self.is_admin or any(org.path.startswith(p) for p in self.paths)

    def may_change_org(self, org: Organisation) -> bool:
        """``org`` may be edited: anywhere for an admin, strictly beneath the PCN otherwise."""
        return self.is_admin or any(org.path.startswith(p) and org.path != p for p in self.paths)

    def may_grant(self, role: str, org: Organisation) -> bool:
        return role in self.grantable_roles and self.covers(org)

    def may_manage_user(self, user: User) -> bool:
        """The whole account (deactivate, reset, tokens): every role of it is grantable here."""
        if self.is_admin:
            return True
        return bool(user.memberships) and all(
            self.may_grant(m.role, m.organisation) for m in user.memberships
        )

    def require_grant(self, role: str, org: Organisation) -> None:
        if role not in self.grantable_roles:
            raise Forbidden(f"You may not give people the role {role}.")
        if not self.covers(org):
            raise Forbidden(f"{org.name} ({org.ods}) is outside the organisations you manage.")

    def require_user(self, user: User) -> None:
        if not self.may_manage_user(user):
            raise Forbidden(f"You may not manage the account of {user.email}.")

    def require_org_change(self, org: Organisation) -> None:
        if not self.may_change_org(org):
            raise Forbidden(f"You may not change {org.name} ({org.ods}).")

    def org_clause(self) -> ColumnElement[bool]:
        """SQL condition on :class:`Organisation`: organisations in the scope."""
        if self.is_admin:
            return true()
        return or_(*(subtree(p) for p in self.paths)) if self.paths else false()

    def user_clause(self) -> ColumnElement[bool]:
        """SQL condition on :class:`User`: people holding a role in the scope."""
        if self.is_admin:
            return true()
        return exists(
            select(Membership.id)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == User.id, self.org_clause())
        )


def may_use_admin(access: Access) -> bool:
    """Whether to show the admin area at all (the header link)."""
    return access.is_admin or any(m.role == "pcn_manager" for m in access.memberships)


def admin_scope(access: Access) -> AdminScope:
    """The caller's admin scope; :class:`Forbidden` for anyone who may not use the area."""
    if access.is_admin:
        return AdminScope(access.user, True, ())
    paths = tuple(m.organisation.path for m in access.memberships if m.role == "pcn_manager")
    if not paths:
        raise Forbidden("Only platform administrators and PCN managers may use the admin area.")
    return AdminScope(access.user, False, paths)
