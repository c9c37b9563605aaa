"""Signing in: the same answer and about the same time for every email address, a
throttle with back-off instead of a lock-out, and a server-side session on success.

The steps run in short units of their own: read the throttle, read the account, verify
the password with no transaction open (argon2 takes a while), then write the outcome in
one short transaction whose first statement is a write (so SQLite takes the write lock
at once rather than failing to upgrade a read).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from miniapps.models import User
from miniapps.services.users.passwords import hash_password, needs_rehash, verify_password
from miniapps.services.users.throttle import (
    ThrottlePolicy,
    account_key,
    clear_stale,
    client_key,
    forget_key,
    record_failure,
    seconds_to_wait,
)
from miniapps.services.users.units import Units, best_effort
from miniapps.services.users.user_sessions import SessionPolicy, start_session

MAX_EMAIL_LENGTH = 254
WRONG = "The email address or password is not right"


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    session_id: str  # for the cookie; the database keeps only its hash


class SignInThrottled(Exception):
    """Too many failed sign-ins from this client or at this address: wait and retry."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        if retry_after >= 120:
            wait = f"{math.ceil(retry_after / 60)} minutes"
        else:
            wait = f"{retry_after} second{'' if retry_after == 1 else 's'}"
        super().__init__(f"Too many sign-in attempts. Wait {wait}, then try again.")


class SignInBusy(Exception):
    """The outcome could not be written (the database is overloaded): try again."""

    retry_after = 5

    def __init__(self) -> None:
        super().__init__("Sign-in is busy just now. Try again in a few seconds.")


def sign_in(
    units: Units,
    email: str,
    password: str,
    client: str,
    throttle: ThrottlePolicy,
    sessions: SessionPolicy,
    now: datetime | None = None,
) -> SignedIn | None:
    """A new session for the account when the password is right; None when it is not
    (unknown, deactivated or password-less accounts alike). Raises
    :class:`SignInThrottled` while the client or the account must wait, and
    :class:`SignInBusy` when the outcome cannot be stored."""
    moment = now or datetime.now(UTC)
    email = email.strip().lower()
    account = account_key(email)
    limits = {client_key(client): throttle.client_free, account: throttle.account_free}
    with units.read() as session:
        wait = seconds_to_wait(session, limits, throttle, moment)
    if wait > 0:
        raise SignInThrottled(max(1, math.ceil(wait)))
    user_id, stored_hash = None, None
    if len(email) <= MAX_EMAIL_LENGTH:
        with units.read() as session:
            row = session.execute(
                select(User.id, User.password_hash).where(User.email == email, User.active)
            ).first()
        if row is not None:
            user_id, stored_hash = row.id, row.password_hash
    matched = verify_password(stored_hash, password)  # always verified: the same time
    if user_id is None or not matched:
        _write_failure(units, list(limits), throttle, moment)
        return None
    new_hash = hash_password(password) if needs_rehash(stored_hash or "") else None
    try:
        with units.write() as session:
            forget_key(session, account)  # a write first: SQLite takes the lock now
            if new_hash is not None:
                session.execute(
                    update(User).where(User.id == user_id).values(password_hash=new_hash)
                )
            session_id = start_session(session, user_id, sessions, moment)
    except SQLAlchemyError as exc:
        raise SignInBusy() from exc
    return SignedIn(user_id, session_id)


def _write_failure(units: Units, keys: list[str], throttle: ThrottlePolicy, now: datetime) -> None:
    try:
        with units.write() as session:
            record_failure(session, keys, throttle, now)
    except SQLAlchemyError as exc:
        # Refuse rather than let an uncounted guess through, and never with a 500.
        raise SignInBusy() from exc
    with best_effort(units, "clearing old sign-in counters") as session:
        clear_stale(session, throttle, now)
