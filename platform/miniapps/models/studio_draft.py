"""App studio drafts: a definition being built or changed, saved server-side after every
change, with every save kept (undo to any earlier save)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.user import User

DRAFT_STATUSES = ("open", "published", "discarded")


class StudioDraft(Base):
    """A draft of one app definition. ``organisation_id``: the organisation whose
    publishers share it (None: platform admins only). ``revision`` is the number of the
    latest save: a save names the revision it started from, and a stale one is refused
    (a conflict, never a silent overwrite)."""

    __tablename__ = "studio_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=0)
    # The published version this draft changes (None: a new app).
    based_on_version: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="open")

    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class DraftSave(Base):
    """One save of a draft: the whole definition as it then was, never updated."""

    __tablename__ = "studio_draft_saves"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("studio_drafts.id", ondelete="CASCADE"))
    revision: Mapped[int]
    # Plain JSON, not JSONB: a schema's property order is the form's field order.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(300))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    saved_by: Mapped[User | None] = relationship()
