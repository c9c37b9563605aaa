"""Locking a period after sign-off: nothing in it changes until a PCN manager unlocks it.

A lock at an organisation covers it and everything beneath it; locking and unlocking
are audited. Everything here flushes only; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from miniapps.core.errors import MiniappsError
from miniapps.core.periods.keys import period_label
from miniapps.models import App, AuditEntry, Organisation, PeriodLock, User
from miniapps.services.permissions import APPROVE, Access, Forbidden

LOCKING_ROLES = frozenset({"pcn_manager", "platform_admin"})
LOCKABLE_TYPES = frozenset({"icb", "place", "pcn"})


class PeriodLocked(MiniappsError):
    code = "period_locked"
    kind = "conflict"


def _check_lockable(access: Access, app: App, org: Organisation) -> None:
    if org.type not in LOCKABLE_TYPES:
        raise Forbidden("Periods are locked for a PCN or a larger organisation, not a practice.")
    if not (access.roles_at(org) & LOCKING_ROLES) or not access.can(APPROVE, org, app):
        raise Forbidden(f"Only a PCN manager may lock or unlock periods for {org.name}.")


def _audit(
    session: Session, app: App, actor: User | None, action: str, org: Organisation, period: str
) -> None:
    session.add(
        AuditEntry(
            record_id=None,
            app_id=app.id,
            actor_id=actor.id if actor else None,
            action=action,
            changes=[
                {"pointer": "/period", "old": None, "new": period},
                {"pointer": "/organisation", "old": None, "new": org.ods},
            ],
        )
    )


def _lock_at(session: Session, app: App, org: Organisation, period: str) -> PeriodLock | None:
    return session.scalar(
        select(PeriodLock).where(
            PeriodLock.app_id == app.id,
            PeriodLock.organisation_id == org.id,
            PeriodLock.period == period,
        )
    )


def lock_period(
    session: Session, access: Access, app: App, org: Organisation, period: str, actor: User | None
) -> PeriodLock:
    """Lock ``period`` at ``org`` and everything beneath it (idempotent); audited."""
    _check_lockable(access, app, org)
    existing = _lock_at(session, app, org, period)
    if existing is not None:
        return existing
    lock = PeriodLock(
        app_id=app.id, organisation=org, period=period, locked_by_id=actor.id if actor else None
    )
    session.add(lock)
    _audit(session, app, actor, "lock_period", org, period)
    session.flush()
    return lock


def unlock_period(
    session: Session, access: Access, app: App, org: Organisation, period: str, actor: User | None
) -> bool:
    """Remove the lock of ``period`` at ``org``; audited. False when it was not locked."""
    _check_lockable(access, app, org)
    lock = _lock_at(session, app, org, period)
    if lock is None:
        return False
    session.delete(lock)
    _audit(session, app, actor, "unlock_period", org, period)
    session.flush()
    return True


def ensure_period_open(
    session: Session, app_id: str, org: Organisation, period: str | None
) -> None:
    """Raise :class:`PeriodLocked` (409) when ``period`` is locked at ``org`` or above."""
    if not period:
        return
    lock = session.scalar(
        select(PeriodLock)
        .join(Organisation, Organisation.id == PeriodLock.organisation_id)
        .where(
            PeriodLock.app_id == app_id,
            PeriodLock.period == period,
            literal(org.path).startswith(Organisation.path),
        )
        .limit(1)
    )
    if lock is not None:
        raise PeriodLocked(
            f"{period_label(period)} is locked for {lock.organisation.name} "
            f"({lock.organisation.ods}): its returns were signed off and can no longer "
            "change. Ask your PCN manager to unlock the period first."
        )
