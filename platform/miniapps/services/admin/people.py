"""People in the admin area: list, invite, roles per organisation, deactivate, reset.

Every change asks the scope first (:mod:`miniapps.services.admin.scope`), then writes
and audits; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from miniapps.models import Membership, Organisation, User
from miniapps.services.admin.audit import audit_admin
from miniapps.services.admin.scope import AdminNotFound, AdminScope
from miniapps.services.invitations import issue_link
from miniapps.services.permissions import Forbidden
from miniapps.services.records.listing import Page
from miniapps.services.users import by_email, create_user


@dataclass(frozen=True)
class Invited:
    user: User
    created: bool  # a new account (else a role added to an existing one)
    emailed: bool  # an invitation link went out (the account had no password yet)


def users_page(
    session: Session, scope: AdminScope, *, search: str | None, page: int, page_size: int
) -> Page[User]:
    """People holding a role in the scope (everyone for an admin), by email."""
    conditions = [scope.user_clause()]
    if search:
        term = search.strip().lower()
        conditions.append(or_(User.email.contains(term), func.lower(User.name).contains(term)))
    base = select(User).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(User.email).offset((page - 1) * page_size).limit(page_size)
    )
    return Page(list(rows), total, page, page_size)


def visible_user(session: Session, scope: AdminScope, user_id: int) -> User:
    user = session.scalar(select(User).where(User.id == user_id, scope.user_clause()))
    if user is None:
        raise AdminNotFound("No such person among those you manage.")
    return user


def manageable_orgs(session: Session, scope: AdminScope) -> list[Organisation]:
    """Active organisations where the caller may give people roles."""
    query = select(Organisation).where(scope.org_clause(), Organisation.active)
    return list(session.scalars(query.order_by(Organisation.path)))


def invite(
    session: Session,
    scope: AdminScope,
    *,
    email: str,
    name: str,
    role: str,
    org: Organisation,
    base_url: str,
) -> Invited:
    """Create the account with ``role`` at ``org`` and email a one-time link to set its
    password; an existing account gets the role (and a link only if it has no password)."""
    scope.require_grant(role, org)
    existing = by_email(session, email)
    if existing is not None and not existing.active:
        raise Forbidden(f"{existing.email} is deactivated: reactivate the account first.")
    user = create_user(session, email, name, None, role, org)
    audit_admin(
        session, scope.actor, "role_added", f"/users/{user.id}/roles", None, _role(role, org)
    )
    emailed = user.password_hash is None
    if emailed:
        issue_link(session, user, "invite", actor=scope.actor, base_url=base_url)
        audit_admin(session, scope.actor, "user_invited", f"/users/{user.id}", None, user.email)
    return Invited(user, existing is None, emailed)


def add_role(session: Session, scope: AdminScope, user: User, role: str, org: Organisation) -> None:
    scope.require_grant(role, org)
    if any(m.organisation_id == org.id and m.role == role for m in user.memberships):
        return
    user.memberships.append(Membership(organisation=org, role=role))
    session.flush()
    audit_admin(
        session, scope.actor, "role_added", f"/users/{user.id}/roles", None, _role(role, org)
    )


def remove_role(session: Session, scope: AdminScope, user: User, membership_id: int) -> None:
    membership = next((m for m in user.memberships if m.id == membership_id), None)
    if membership is None:
        raise AdminNotFound("That person does not hold this role.")
    scope.require_grant(membership.role, membership.organisation)
    if user == scope.actor and membership.role in ("platform_admin", "pcn_manager"):
        raise Forbidden("You may not remove your own administrative role.")
    old = _role(membership.role, membership.organisation)
    user.memberships.remove(membership)
    session.flush()
    audit_admin(session, scope.actor, "role_removed", f"/users/{user.id}/roles", old, None)


def set_active(session: Session, scope: AdminScope, user: User, active: bool) -> None:
    """Deactivate (no sign-in, no API tokens) or reactivate the whole account."""
    scope.require_user(user)
    if user == scope.actor:
        raise Forbidden("You may not deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    session.flush()
    audit_admin(
        session,
        scope.actor,
        "user_" + ("reactivated" if active else "deactivated"),
        f"/users/{user.id}/active",
        not active,
        active,
    )


def send_reset(session: Session, scope: AdminScope, user: User, base_url: str) -> None:
    """Email a one-time link to choose a new password (the old one keeps working until then)."""
    scope.require_user(user)
    if not user.active:
        raise Forbidden(f"{user.email} is deactivated: reactivate the account first.")
    purpose = "reset" if user.password_hash else "invite"
    issue_link(session, user, purpose, actor=scope.actor, base_url=base_url)
    audit_admin(
        session, scope.actor, f"password_{purpose}_sent", f"/users/{user.id}", None, user.email
    )


def _role(role: str, org: Organisation) -> str:
    return f"{role} at {org.ods}"
