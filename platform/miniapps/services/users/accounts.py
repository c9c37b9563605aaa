"""Accounts: people, their memberships and their passwords."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from miniapps.core.errors import Issue, IssuesError
from miniapps.models import ROLES, Membership, Organisation, User
from miniapps.services.users.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from miniapps.services.users.user_sessions import end_sessions


class UserError(ValueError):
    """Bad input for an account (unknown role, short password, …)."""


class PasswordChangeInvalid(IssuesError):
    """A password change with a wrong current password or an unusable new one."""

    code = "invalid_password"
    kind = "invalid"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def active_user(session: Session, user_id: int) -> User | None:
    """The user ``user_id`` while their account is active (a signed-in session's user),
    with their memberships in the same statement (every permission check needs them)."""
    user = session.get(User, user_id, options=[joinedload(User.memberships)])
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
        user.password_hash = hash_password(password)
    if not any(m.organisation_id == org.id and m.role == role for m in user.memberships):
        user.memberships.append(Membership(organisation=org, role=role))
    session.flush()
    return user


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    keep_session: str | None = None,
    now: datetime | None = None,
) -> None:
    """Store a new password (hashed) and end every signed-in session of the user but
    ``keep_session`` (the one that changed it, if any)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    session.flush()
    end_sessions(session, user.id, keep=keep_session, now=now)


def check_password(user: User, password: str) -> bool:
    return user.password_hash is not None and verify_password(user.password_hash, password)


def new_password_issues(password: str, confirm: str) -> list[Issue]:
    """What is wrong with a new password typed twice (``/password``, ``/confirm``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            Issue("/password", f"Enter a password of at least {MIN_PASSWORD_LENGTH} characters")
        ]
    if password != confirm:
        return [Issue("/confirm", "Enter the same password twice")]
    return []


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    confirm: str,
    *,
    keep_session: str | None,
) -> None:
    """The account page's password change: the current password, then the new one twice.
    Every other session of the user ends; problems are named by field."""
    issues: list[Issue] = []
    if not check_password(user, current):
        issues.append(Issue("/current", "Enter your current password"))
    issues += new_password_issues(new, confirm)
    if issues:
        raise PasswordChangeInvalid(issues)
    set_password(session, user, new, keep_session=keep_session)
