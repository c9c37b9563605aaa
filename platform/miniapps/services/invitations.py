"""One-time links to set a password: an invitation to a new account, or a reset.

Only a SHA-256 hash of each token is stored, with its expiry; a link works once. Issuing
a new link for someone retires their earlier unused ones. The email goes through the
outbox in the caller's transaction, with a link built from the configured base URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from miniapps.core.errors import IssuesError, MiniappsError
from miniapps.models import INVITATION_PURPOSES, Invitation, User
from miniapps.services.notifications.outbox import queue_email, render_email
from miniapps.services.users import new_password_issues, set_password, token_digest

LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=24)}
LINK_PATH = "/invitations/"


class LinkUnusable(MiniappsError):
    """The link is unknown, used, expired or for a deactivated account (never say which)."""

    code = "link_unusable"
    kind = "not_found"

    def __init__(self) -> None:
        super().__init__(
            "This link has expired or has already been used. "
            "Ask your administrator to send you a new one."
        )


class PasswordInvalid(IssuesError):
    code = "invalid_password"
    kind = "invalid"


@dataclass(frozen=True)
class IssuedLink:
    invitation: Invitation
    url: str


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes, which are UTC here."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def issue_link(
    session: Session,
    user: User,
    purpose: str,
    *,
    actor: User | None,
    base_url: str,
    now: datetime | None = None,
) -> IssuedLink:
    """Make a one-time link for ``user`` and queue the email carrying it (flush only)."""
    if purpose not in INVITATION_PURPOSES:
        raise ValueError(f"purpose must be one of {INVITATION_PURPOSES}")
    moment = _now(now)
    session.execute(  # earlier unused links stop working
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=moment)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user=user,
        purpose=purpose,
        token_hash=token_digest(token),
        created_by_id=actor.id if actor is not None else None,
        created_at=moment,
        expires_at=moment + LIFETIMES[purpose],
    )
    session.add(invitation)
    session.flush()
    url = base_url.rstrip("/") + LINK_PATH + token
    email = render_email(
        "invitation",
        purpose=purpose,
        recipient_name=user.name,
        inviter_name=actor.name if actor is not None else None,
        url=url,
        hours=int(LIFETIMES[purpose].total_seconds() // 3600),
    )
    queue_email(
        session, to=user.email, subject=email.subject, text=email.text, html=email.html, user=user
    )
    return IssuedLink(invitation, url)


def usable_link(session: Session, token: str, now: datetime | None = None) -> Invitation:
    """The unused, unexpired link for an active account; else :class:`LinkUnusable`."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == token_digest(token))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or _as_utc(invitation.expires_at) <= _now(now)
        or not invitation.user.active
    ):
        raise LinkUnusable()
    return invitation


def accept_link(
    session: Session, token: str, password: str, confirm: str, now: datetime | None = None
) -> User:
    """Set the password through the link and use it up; every problem is named by field."""
    invitation = usable_link(session, token, now)
    issues = new_password_issues(password, confirm)
    if issues:
        raise PasswordInvalid(issues)
    # Use the link up first, conditionally: of two racing submissions only one wins.
    used = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=_now(now))
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise LinkUnusable()
    set_password(session, invitation.user, password)
    return invitation.user
