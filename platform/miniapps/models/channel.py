"""Channels: SLA breaches of items (:class:`~miniapps.models.record.ChannelItem`), the
webhooks (with their delivery log) that hand items to a stakeholder's own systems, and
the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.record import ChannelItem

CLOCKS = ("acknowledge", "decide")
WEBHOOK_EVENTS = ("item.sent", "item.action", "item.comment")
DELIVERY_STATUSES = ("queued", "delivered", "failed")


class ChannelBreach(Base):
    """A clock that ran out, and each escalation level taken for it (once each)."""

    __tablename__ = "channel_breaches"
    __table_args__ = (UniqueConstraint("item_id", "clock", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("channel_items.id"), index=True)
    clock: Mapped[str] = mapped_column(String(20))  # acknowledge | decide
    level: Mapped[int]  # 1: marked, stakeholder and provider managers told; 2: escalate_to
    at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ChannelItem] = relationship()


class Webhook(Base):
    """A stakeholder organisation's endpoint. The secret signs each body and is never
    shown again after registration."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(64))  # None: every channel
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", order_by="WebhookDelivery.id.desc()", viewonly=True
    )


class WebhookDelivery(Base):
    """One event for one webhook: the signed body is fixed when queued; the scheduler
    posts it until a 2xx answer or the attempts run out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    delivery: Mapped[str] = mapped_column(String(36), unique=True)  # uuid4, sent as a header
    event: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("channel_items.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        cascade="all, delete-orphan", order_by="WebhookAttempt.id"
    )


class WebhookAttempt(Base):
    """Append-only: one row per POST of a delivery."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)


class BankHoliday(Base):
    """The working-day calendar in use (England and Wales bank holidays); empty: the
    calendar shipped with the package."""

    __tablename__ = "bank_holidays"

    day: Mapped[date] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
