"""Controlled documents (policies, processes, protocols): their versions, the practices'
adoptions and the staff's read-and-sign.

A document is a record of an app with a ``documents`` member, kept by a PCN (or ICB);
these tables hold what the engine does with it. Nothing adopted, signed or published is
ever changed in place: a version only moves on to ``superseded`` (with
``superseded_at``), an adoption only gets its ``replaced_at`` when the practice adopts a
later version, and signatures are never touched.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.record import Record
from miniapps.models.user import User

VERSION_STATUSES = ("draft", "approved", "published", "superseded")
ADOPTION_MODES = ("as_is", "local")


class DocumentVersion(Base):
    """One numbered version of a document: drafted, approved by someone other than its
    author, published with a review date, then superseded by the next one."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("record_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    number: Mapped[int]
    # The document's title when this version was drafted (the record's may change later).
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachments.id"))
    change_summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    # Proposed with the draft (optional), fixed when published.
    review_due: Mapped[date | None]
    # Practices that adopted an earlier version adopt this one by then.
    readopt_due: Mapped[date | None]
    superseded_at: Mapped[datetime | None]

    record: Mapped[Record] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    def __repr__(self) -> str:
        return f"<DocumentVersion record={self.record_id} v{self.number} {self.status}>"


class DocumentAdoption(Base):
    """A practice's adoption of one version: as it is, or with its own text beside the
    central one and the reason for the difference. Replaced, never changed."""

    __tablename__ = "document_adoptions"
    __table_args__ = (UniqueConstraint("organisation_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))  # as_is | local
    local_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adopted_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]

    version: Mapped[DocumentVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()
    adopted_by: Mapped[User | None] = relationship()


class DocumentSignature(Base):
    """A person's acknowledgement that they read one version (as their practice adopted
    it). Append-only."""

    __tablename__ = "document_signatures"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    adoption_id: Mapped[int | None] = mapped_column(ForeignKey("document_adoptions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    user: Mapped[User] = relationship()
