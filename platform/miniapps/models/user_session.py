"""Server-side sign-in state: one row per signed-in browser session, and the sign-in
throttle's failure counters (kept in the database so every worker sees them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from miniapps.models.base import Base, utcnow


class UserSession(Base):
    """A browser session: the signed cookie carries a random id whose sha256 is
    ``token_hash``. Signing out, a password change or a timeout ends it for good."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written at most once a minute or so (the idle timeout's clock), in its own transaction.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class SignInThrottle(Base):
    """Failed sign-ins per client address or per account, for the back-off. ``key`` is a
    sha256 of ``client:<address>`` or ``account:<email>`` (so an attacker's long or odd
    input is never stored as such)."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
