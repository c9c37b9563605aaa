"""The audit log seen from the admin area, and the entries the admin area writes.

Admin changes (invitations, roles, deactivation, tokens, organisations) go into the same
append-only trail as record changes, with no record or app. A PCN manager sees the
entries of records in their PCN and their own; a platform admin sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from miniapps.models import AuditEntry, Organisation, Record, User
from miniapps.services.admin.scope import AdminScope
from miniapps.services.records.listing import Page


@dataclass(frozen=True)
class AuditFilters:
    user: str | None = None  # the actor's email address, or part of it
    record_id: int | None = None
    app_id: str | None = None
    since: date | None = None  # first day included
    until: date | None = None  # last day included


def audit_admin(
    session: Session, actor: User | None, action: str, pointer: str, old: Any, new: Any
) -> None:
    """Write one admin change (``user_invited``, ``role_added``, ...) to the trail (flush)."""
    session.add(
        AuditEntry(
            record_id=None,
            app_id=None,
            actor_id=actor.id if actor is not None else None,
            action=action,
            changes=[{"pointer": pointer, "old": old, "new": new}],
        )
    )
    session.flush()


def _scope_clause(scope: AdminScope) -> ColumnElement[bool]:
    if scope.is_admin:
        return AuditEntry.id.is_not(None)
    in_scope = (
        select(Record.id)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .where(Record.id == AuditEntry.record_id, scope.org_clause())
        .exists()
    )
    mine = AuditEntry.actor_id == scope.actor.id if scope.actor is not None else None
    return or_(in_scope, mine) if mine is not None else in_scope


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_page(
    session: Session, scope: AdminScope, filters: AuditFilters, *, page: int, page_size: int
) -> Page[AuditEntry]:
    """Audit entries in the scope matching ``filters``, newest first, one page."""
    conditions = [_scope_clause(scope)]
    if filters.user:
        actors = select(User.id).where(User.email.contains(filters.user.strip().lower()))
        conditions.append(AuditEntry.actor_id.in_(actors))
    if filters.record_id is not None:
        conditions.append(AuditEntry.record_id == filters.record_id)
    if filters.app_id:
        conditions.append(AuditEntry.app_id == filters.app_id.strip())
    if filters.since is not None:
        conditions.append(AuditEntry.at >= _day_start(filters.since))
    if filters.until is not None:
        conditions.append(AuditEntry.at < _day_start(filters.until + timedelta(days=1)))
    base = select(AuditEntry).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Page(list(rows), total, page, page_size)
