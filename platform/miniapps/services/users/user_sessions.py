"""Server-side sign-in sessions.

The signed session cookie carries a random session id; the database keeps its sha256
with when it started and was last seen. A session is good while it has not been ended
(sign-out, a password change), has been used within the idle timeout and is younger
than the absolute timeout. So a cookie copied before sign-out is worth nothing after.

A page's request checks its session on the request's session, with the user, in one
statement (:func:`signed_in_user`); ``last_seen_at`` (the idle clock) is
written at most once per ``touch_every``, in its own short transaction, and a failure
to write it never fails the request.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, bindparam, delete, select, update
from sqlalchemy.orm import Session, joinedload

from miniapps.models import User, UserSession
from miniapps.services.users.digests import token_digest
from miniapps.services.users.units import Units, as_utc, best_effort, untouched


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


# The session's columns, its user and their memberships: built once, bound per request.
_SESSION_USER = (
    select(
        User, UserSession.id, UserSession.created_at, UserSession.last_seen_at, UserSession.ended_at
    )
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.token_hash == bindparam("digest", type_=String),
        User.id == bindparam("user_id", type_=Integer),
    )
    .options(joinedload(User.memberships))
)


def signed_in_user(
    session: Session,
    units: Units,
    session_id: str,
    user_id: int,
    policy: SessionPolicy,
    now: datetime | None = None,
) -> User | None:
    """The active user ``user_id`` with their memberships while ``session_id`` is their
    live session (not ended, used within the idle timeout, younger than the absolute one),
    else None; notes the use now and then (see the module docstring).

    One statement on the caller's session (the request's): the session's columns, the
    user and their memberships, where reading the session in a unit of its own and then
    the user cost a second statement, session and connection on every page. When the use
    is to be noted, the request's transaction (then holding only this read) is ended
    first, so the note is a short transaction of its own as before."""
    moment = now or datetime.now(UTC)
    fresh = untouched(session)
    values = {"digest": token_digest(session_id), "user_id": user_id}
    found = session.execute(_SESSION_USER, values).unique().first()
    if found is None:
        return None
    user, row_id, created_at, last_seen_at, ended_at = found
    if not _live(created_at, last_seen_at, ended_at, policy, moment) or not user.active:
        return None
    if _seen_due(last_seen_at, policy, moment):
        if fresh:
            session.commit()  # only the read above: nothing to keep or undo
        _note_seen(units, row_id, policy, moment)
    return user


def _live(
    created_at: datetime,
    last_seen_at: datetime,
    ended_at: datetime | None,
    policy: SessionPolicy,
    moment: datetime,
) -> bool:
    """Not ended, used within the idle timeout, younger than the absolute one."""
    if ended_at is not None:
        return False
    idle = moment - as_utc(last_seen_at) > policy.idle
    return not idle and moment - as_utc(created_at) <= policy.absolute


def _seen_due(last_seen_at: datetime, policy: SessionPolicy, moment: datetime) -> bool:
    return moment - as_utc(last_seen_at) >= policy.touch_every


def _note_seen(units: Units, row_id: int, policy: SessionPolicy, moment: datetime) -> None:
    """Write ``last_seen_at`` (best effort: never fails the request)."""
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
