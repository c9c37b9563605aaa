"""Single-active-scheduler lease: a row per lease name, held until ``expires_at``.

Taking the lease is one atomic UPDATE (``WHERE expires_at < now OR holder = me``), so two
schedulers racing for an expired lease cannot both win: on PostgreSQL the second UPDATE
waits for the first and then re-checks the condition; SQLite has a single writer. The
very first use INSERTs the row, and the primary key decides a race there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapps.models import SchedulerLease


def acquire(
    session: Session, name: str, holder: str, ttl: timedelta, *, now: datetime | None = None
) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; False if held by
    someone else. Flushes only: the lease counts once the caller commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    renew = (
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            or_(SchedulerLease.expires_at < now, SchedulerLease.holder == holder),
        )
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(renew)
    assert isinstance(result, CursorResult)
    if result.rowcount == 1:
        return True
    if session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name)):
        return False  # someone else holds it
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
            session.flush()
    except IntegrityError:
        return False  # another scheduler inserted it first
    return True


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up (if still ours), so a waiting scheduler takes over at once."""
    session.execute(
        delete(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .execution_options(synchronize_session=False)
    )


def holder_of(session: Session, name: str, *, now: datetime | None = None) -> str | None:
    """Who holds lease ``name`` now, if anyone."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return session.scalar(
        select(SchedulerLease.holder).where(
            SchedulerLease.name == name, SchedulerLease.expires_at >= now
        )
    )
