"""The email outbox, its delivery log, and the scheduler's single-active lease.

Emails are rows written in the same transaction as the change that caused them, so a
message exists if and only if that change committed; the scheduler sends them later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow

OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    # The sender's query: queued messages whose next attempt is due.
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    to_address: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # e.g. "reminder:fridge_log:A00001:2025-04:due:user:7": queued once, even by racing jobs.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    delivery_attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DeliveryAttempt.id",
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to={self.to_address!r}>"


class DeliveryAttempt(Base):
    """Append-only: one row per try to hand a message to the SMTP server."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)

    message: Mapped[OutboxMessage] = relationship(back_populates="delivery_attempts")


class SchedulerLease(Base):
    """Who may run scheduled jobs now: one row per lease name, renewed before it expires."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


# APScheduler's SQLAlchemyJobStore table, declared here (same columns as APScheduler 3.11
# makes) so that Alembic creates, compares and drops it like every other table.
scheduler_jobs = Table(
    "scheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
