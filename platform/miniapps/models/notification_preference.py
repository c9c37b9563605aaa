"""Per-user email delivery choices and the notifications held for a daily digest.

A user's default (``users.notification_delivery``) applies to every app unless a
:class:`NotificationPreference` overrides it for one app. Messages for a digest user wait
as :class:`HeldNotification` rows until the ``daily_digest`` job puts them in one email.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniapps.models.base import Base, utcnow

IMMEDIATE, DIGEST = "immediate", "digest"
DELIVERIES = (IMMEDIATE, DIGEST)
HELD_STATUSES = ("held", "sent", "withheld")


class NotificationPreference(Base):
    """One app's delivery for one user, overriding the user's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(20))


class HeldNotification(Base):
    """A notification waiting for its recipient's daily digest.

    Only what identifies the record and a link are kept (as in every email); the record,
    app and organisation are kept too, so the digest re-checks that the recipient may
    still see each item when it is built.
    """

    __tablename__ = "held_notifications"
    # The digest job's query: a user's items still held.
    __table_args__ = (Index("ix_held_notifications_pending", "status", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[str | None] = mapped_column(Text)  # a definition template's text
    url: Mapped[str] = mapped_column(String(1000))
    app_id: Mapped[str | None] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="held")
    # Same keys as the outbox's (a reminder held is not queued again), unique likewise.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    digest_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )

    def __repr__(self) -> str:
        return f"<HeldNotification {self.id} {self.status} user={self.user_id}>"
