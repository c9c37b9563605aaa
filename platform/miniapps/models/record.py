"""Records, the channel items that send them to stakeholders, their append-only audit
trail and file attachments.

A channel item is one (record, channel, stakeholder) and exists once: a record sent
again (after an information request) is the same item, counted in ``sends``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, JsonType, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.user import User


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_app_org_period", "app_id", "organisation_id", "period"),
        # One live record per organisation and period: two racing creates cannot both win.
        Index(
            "uq_records_app_org_period_slot",
            "app_id",
            "organisation_id",
            "period_slot",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    app_version: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The organisation the record is about, when the app declares a ``subject`` (a peer
    # review of another practice): it reads the record and counts it as its evidence.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[str | None] = mapped_column(String(10))
    # The period, when the app holds one record per organisation and period (NULL for an
    # app without periods or one declaring ``"several": true``); unique per app and org.
    period_slot: Mapped[str | None] = mapped_column(String(10))
    # A duplicate for a period another record holds (made before the slot existed):
    # kept with its history, left out of dashboards and indicators.
    superseded: Mapped[bool] = mapped_column(default=False, server_default=false())
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(40), default="draft", index=True)
    # Optimistic lock counter: SQLAlchemy adds "AND version = :old" to every UPDATE.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[organisation_id])
    subject: Mapped[Organisation | None] = relationship(foreign_keys=[subject_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    # Stakeholders holding the record through a channel (see services/channels).
    channel_items: Mapped[list[ChannelItem]] = relationship(
        back_populates="record", order_by="ChannelItem.id"
    )

    __mapper_args__ = {"version_id_col": version}


class AuditEntry(Base):
    """Append-only: one row per change, never updated or deleted."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    app_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    # [{"pointer": "/reading", "old": 4.5, "new": 5.0}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    # What the change was read from, when not a form or the API: an import's file name.
    source: Mapped[str | None] = mapped_column(String(255))

    actor: Mapped[User | None] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    field_pointer: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelItem(Base):
    __tablename__ = "channel_items"
    __table_args__ = (
        UniqueConstraint("record_id", "channel", "stakeholder_id"),
        # The inbox and its live stream: a stakeholder's items changed since a moment.
        Index("ix_channel_items_stakeholder_changed", "stakeholder_id", "changed_at"),
        Index("ix_channel_items_provider_changed", "provider_id", "changed_at"),
        # The scheduler's breach scan: clocks that may have run out.
        Index("ix_channel_items_acknowledge_by", "acknowledge_by"),
        Index("ix_channel_items_decide_by", "decide_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # The record's organisation when sent (records do not move between organisations).
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sends: Mapped[int] = mapped_column(default=1)
    acknowledge_by: Mapped[datetime | None]
    decide_by: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    breached: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped by every change to the item or its record (step, comment, resend, breach).
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[Record] = relationship(back_populates="channel_items")
    stakeholder: Mapped[Organisation] = relationship(foreign_keys=[stakeholder_id], lazy="joined")
    provider: Mapped[Organisation] = relationship(foreign_keys=[provider_id])

    def __repr__(self) -> str:
        return f"<ChannelItem {self.id} record={self.record_id} {self.channel}>"
