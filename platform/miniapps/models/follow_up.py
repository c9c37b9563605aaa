"""Follow-up actions: the failed items of a submitted audit, each with an owner and a
due date, open until someone who may write at its organisation marks it done.

An action belongs to the organisation that must act on it: the record's ``subject``
when it has one (the practice a peer review audited), else the record's organisation.
It exists once per (record, item): submitting a record again never doubles its actions.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.record import Record
from miniapps.models.user import User

FOLLOW_UP_STATUSES = ("open", "done")


class FollowUp(Base):
    __tablename__ = "record_follow_ups"
    __table_args__ = (
        UniqueConstraint("record_id", "item_index"),
        CheckConstraint("status IN ('open', 'done')", name="status"),
        # The chasers' scan and the overdue lists: open actions by due date.
        Index("ix_record_follow_ups_status_due", "status", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    item_index: Mapped[int]  # the item's place in the repeating section (0 first)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))  # as the item names them
    due: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    last_chased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[Record] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    done_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} record={self.record_id} item={self.item_index}>"
