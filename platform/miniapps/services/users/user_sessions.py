"""Server-side sign-in sessions.

The signed session cookie carries a random session id; the database keeps its sha256
with when it started and was last seen. A session is good while it has not been ended
(sign-out, a password change), has been used within the idle timeout and is younger
than the absolute timeout. So a cookie copied before sign-out is worth nothing after.

Checking a session reads in a unit of its own; ``last_seen_at`` (the idle clock) is
written at most once per ``touch_every``, in its own short transaction, and a failure
to write it never fails the request.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from miniapps.models import UserSession
from miniapps.services.users.digests import token_digest
from miniapps.services.users.units import Units, as_utc, best_effort


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(seconds=60)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SessionPolicy:
        def number(key: str, default: float) -> float:
            value = config.get(key, default)
            return float(value) if isinstance(value, int | float | str) else default

        return cls(
            idle=timedelta(minutes=number("SESSION_IDLE_MINUTES", 30)),
            absolute=timedelta(hours=number("SESSION_MAX_HOURS", 12)),
            touch_every=timedelta(seconds=number("SESSION_TOUCH_SECONDS", 60)),
        )


def start_session(
    session: Session, user_id: int, policy: SessionPolicy, now: datetime | None = None
) -> str:
    """A new session for ``user_id``; returns its id for the cookie (never stored as such).
    The user's sessions past the absolute timeout are cleared away (flush only)."""
    moment = now or datetime.now(UTC)
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user_id, UserSession.created_at < moment - policy.absolute
        )
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user_id,
            token_hash=token_digest(session_id),
            created_at=moment,
            last_seen_at=moment,
        )
    )
    session.flush()
    return session_id


def session_user_id(
    units: Units, session_id: str, policy: SessionPolicy, now: datetime | None = None
) -> int | None:
    """The user of the live session ``session_id``; None when it is unknown, ended, idle
    too long or too old. Notes the use now and then (see the module docstring)."""
    moment = now or datetime.now(UTC)
    with units.read() as session:
        # Its columns, not the object: nothing is changed through it (cheaper per request).
        row = session.execute(
            select(
                UserSession.id,
                UserSession.user_id,
                UserSession.created_at,
                UserSession.last_seen_at,
                UserSession.ended_at,
            ).where(UserSession.token_hash == token_digest(session_id))
        ).first()
    if row is None:
        return None
    row_id, user_id, created_at, last_seen_at, ended_at = row
    if ended_at is not None:
        return None
    last_seen = as_utc(last_seen_at)
    if moment - last_seen > policy.idle or moment - as_utc(created_at) > policy.absolute:
        return None
    if moment - last_seen >= policy.touch_every:
        with best_effort(units, "a session's last use") as session:
            session.execute(
                update(UserSession)
                .where(
                    UserSession.id == row_id,
                    UserSession.last_seen_at < moment - policy.touch_every,
                )
                .values(last_seen_at=moment)
                .execution_options(synchronize_session=False)
            )
    return user_id


def end_session(session: Session, session_id: str, now: datetime | None = None) -> None:
    """Sign-out: the session ends for good (flush only)."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_digest(session_id), UserSession.ended_at.is_(None))
        .values(ended_at=now or datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


def end_sessions(
    session: Session, user_id: int, keep: str | None = None, now: datetime | None = None
) -> int:
    """End every session of ``user_id`` but ``keep`` (a session id); how many ended."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.token_hash != token_digest(keep))
    result = session.execute(
        query.values(ended_at=now or datetime.now(UTC)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
