"""People: accounts, memberships, passwords, sign-in rate limit and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from miniapps.models import ROLES, ApiToken, LoginAttempt, Membership, Organisation, User

_hasher = PasswordHasher()
TOKEN_PREFIX = "mna_"
MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """Bad input for an account (unknown role, short password, …)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def active_user(session: Session, user_id: int) -> User | None:
    """The user ``user_id`` while their account is active (a signed-in session's user)."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def create_user(
    session: Session, email: str, name: str, password: str | None, role: str, org: Organisation
) -> User:
    """Create the account if new (or add the membership to an existing one)."""
    if role not in ROLES:
        raise UserError(f"role must be one of: {', '.join(ROLES)}")
    if "@" not in email:
        raise UserError("email must be an email address")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = by_email(session, email)
    if user is None:
        user = User(email=normalise_email(email), name=name.strip() or email)
        session.add(user)
    if password is not None:
        user.password_hash = _hasher.hash(password)
    if not any(m.organisation_id == org.id and m.role == role for m in user.memberships):
        user.memberships.append(Membership(organisation=org, role=role))
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password (hashed); the caller has checked its length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)
    session.flush()


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session, email: str, password: str, max_failures: int, window_seconds: int
) -> User | None:
    """The user when the password is right and the email is not locked out; else None.

    Raises :class:`LockedOut` after ``max_failures`` wrong passwords within the window.
    """
    email = normalise_email(email)
    since = datetime.now(UTC) - timedelta(seconds=window_seconds)
    failures = session.scalar(
        select(func.count()).where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    if failures is not None and failures >= max_failures:
        raise LockedOut(window_seconds // 60)
    user = by_email(session, email)
    if user is None or not user.active or not check_password(user, password):
        session.add(LoginAttempt(email=email))
        session.flush()
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return user


class LockedOut(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many failed sign-in attempts. Try again in {minutes} minutes.")


def token_digest(token: str) -> str:
    """What is stored of a secret token (API tokens, invitation links): its sha256. The
    tokens are long random strings, so a fast hash is enough (nothing to brute-force)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User) -> str:
    """Make an API token; only its hash is stored, so the plain token is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=token_digest(token), prefix=token[:10]))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = datetime.now(UTC)
    return row.user
