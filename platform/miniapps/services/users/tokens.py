"""API tokens: made for a number of days, listed by their first characters, revoked.

Only a token's sha256 is stored, so the plain token is shown once. A request's token is
checked on the request's session, with its user, in one statement; ``last_used_at`` is
written at most once per :data:`TOUCH_EVERY` per token, in its own short transaction,
and never fails the request (a read-only API call writes nothing else).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import String, bindparam, or_, select, update
from sqlalchemy.orm import Session, joinedload

from miniapps.models import ApiToken, User
from miniapps.services.users.digests import token_digest
from miniapps.services.users.units import Units, as_utc, best_effort, untouched

TOKEN_PREFIX = "mna_"
PREFIX_LENGTH = 10  # "mna_" and six characters: what lists and `tokens revoke` show
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366
TOUCH_EVERY = timedelta(minutes=5)

TokenState = Literal["active", "expired", "revoked"]
Problem = Literal["unknown", "expired", "revoked", "inactive"]


class TokenError(ValueError):
    """Bad input for a token (days out of range, an ambiguous prefix, …)."""


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token is worth: its user, or the problem with it."""

    user_id: int | None
    problem: Problem | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


def token_state(token: ApiToken, now: datetime | None = None) -> TokenState:
    return _state(token.revoked_at, token.expires_at, now)


def _state(revoked_at: datetime | None, expires_at: datetime, now: datetime | None) -> TokenState:
    if revoked_at is not None:
        return "revoked"
    if as_utc(expires_at) <= (now or datetime.now(UTC)):
        return "expired"
    return "active"


def create_token(
    session: Session, user: User, days: int = DEFAULT_TOKEN_DAYS, now: datetime | None = None
) -> str:
    """Make an API token valid for ``days`` days; only its hash is stored (flush only)."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise TokenError(f"days must be between 1 and {MAX_TOKEN_DAYS}")
    moment = now or datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user=user,
            token_hash=token_digest(token),
            prefix=token[:PREFIX_LENGTH],
            created_at=moment,
            expires_at=moment + timedelta(days=days),
        )
    )
    session.flush()
    return token


def check_token(session: Session, token: str, now: datetime | None = None) -> TokenCheck:
    """Read-only: whose token this is, or why it is refused."""
    # One statement: the token's columns and whether its user is active (no objects).
    found = session.execute(
        select(
            ApiToken.user_id,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            User.active,
        )
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if found is None:
        return TokenCheck(None, "unknown")
    user_id, expires_at, revoked_at, last_used_at, user_active = found
    state = _state(revoked_at, expires_at, now)
    if state != "active":
        return TokenCheck(None, state, as_utc(expires_at))
    if not user_active:
        return TokenCheck(None, "inactive")
    last_used = as_utc(last_used_at) if last_used_at is not None else None
    return TokenCheck(user_id, None, as_utc(expires_at), last_used)


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user of a live token, else None (read-only)."""
    check = check_token(session, token, now)
    return session.get(User, check.user_id) if check.user_id is not None else None


# The token's columns, its user and their memberships: built once, bound per request.
_TOKEN_USER = (
    select(User, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest", type_=String))
    .options(joinedload(User.memberships))
)


def token_user(
    session: Session, units: Units, token: str, now: datetime | None = None
) -> tuple[User | None, TokenCheck]:
    """The active user of a live ``token`` with their memberships (None when refused),
    and the check saying why; notes the token's use (at most every few minutes).

    One statement on the caller's session (the request's): the token's columns, its
    user and their memberships. Checking in a unit of its own and then loading the user
    cost a second statement, session and connection (and on PostgreSQL a BEGIN and a
    ROLLBACK) on every API request. The request reads what it would have read anyway,
    so it stays a read (SQLite: a GET's plain BEGIN). When the use is to be noted (once
    every few minutes), that transaction, which then holds only this read, is ended
    first, so the note is a transaction of its own as before (kept whatever the request
    does, and on SQLite not a savepoint of a writing request)."""
    moment = now or datetime.now(UTC)
    digest = token_digest(token)
    fresh = untouched(session)
    found = session.execute(_TOKEN_USER, {"digest": digest}).unique().first()
    if found is None:
        return None, TokenCheck(None, "unknown")
    user, expires_at, revoked_at, last_used_at = found
    state = _state(revoked_at, expires_at, moment)
    if state != "active":
        return None, TokenCheck(None, state, as_utc(expires_at))
    if not user.active:
        return None, TokenCheck(None, "inactive")
    last_used = as_utc(last_used_at) if last_used_at is not None else None
    check = TokenCheck(user.id, None, as_utc(expires_at), last_used)
    if _use_due(check, moment):
        if fresh:
            session.commit()  # only the read above: nothing to keep or undo
        _note_use(units, digest, moment)
    return user, check


def _use_due(check: TokenCheck, moment: datetime) -> bool:
    """Whether the token's ``last_used_at`` is older than :data:`TOUCH_EVERY` (or unset)."""
    return check.last_used_at is None or moment - check.last_used_at >= TOUCH_EVERY


def _note_use(units: Units, digest: str, moment: datetime) -> None:
    """Write ``last_used_at`` (best effort: never fails the request)."""
    with best_effort(units, "a token's last use") as session:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.token_hash == digest,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at < moment - TOUCH_EVERY,
                ),
            )
            .values(last_used_at=moment)
            .execution_options(synchronize_session=False)
        )


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included)."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke ``token`` (from now on it answers 401); False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or datetime.now(UTC)
    return True


def revoke_own(session: Session, user: User, token_id: int) -> ApiToken | None:
    """The account page: revoke one of the user's own tokens; None if not theirs."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    revoke(token)
    session.flush()
    return token


def by_prefix(session: Session, prefix: str) -> ApiToken:
    """The one token whose listed prefix is ``prefix`` (``mna_AbC123``, a trailing … or
    more of the token allowed); :class:`TokenError` when none or several match."""
    wanted = prefix.strip().rstrip("…").rstrip(".")[:PREFIX_LENGTH]
    if len(wanted) < PREFIX_LENGTH:
        raise TokenError(f"give the token's first {PREFIX_LENGTH} characters, as listed")
    rows = list(session.scalars(select(ApiToken).where(ApiToken.prefix == wanted)))
    if not rows:
        raise TokenError(f"no token starts with {wanted!r}")
    if len(rows) > 1:
        raise TokenError(f"{len(rows)} tokens start with {wanted!r}: revoke by --user instead")
    return rows[0]
