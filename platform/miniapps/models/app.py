"""Mini-apps, their immutable versions and the organisations they are published to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation

APP_STATUSES = ("draft", "published", "retired")


class App(Base):
    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    latest_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # A stakeholder organisation's ad hoc collection: it owns the app and reads its
    # records in its area. None: an app of the provider tree (the usual case). Not a
    # database foreign key (organisations are never deleted), so that SQLite can drop the
    # column again in a downgrade without rebuilding ``apps``, which others reference.
    owner_id: Mapped[int | None] = mapped_column(index=True)

    versions: Mapped[list[AppVersion]] = relationship(
        back_populates="app", order_by="AppVersion.version"
    )
    targets: Mapped[list[AppTarget]] = relationship(cascade="all, delete-orphan")
    owner: Mapped[Organisation | None] = relationship(
        primaryjoin="App.owner_id == Organisation.id", foreign_keys=[owner_id]
    )


class AppVersion(Base):
    """One immutable version of a definition: never updated after insert."""

    __tablename__ = "app_versions"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # Plain JSON, not JSONB: JSONB reorders object keys, and a schema's property order
    # is the form's field order.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    app: Mapped[App] = relationship(back_populates="versions")


class AppTarget(Base):
    """An organisation an app is published to now; everything beneath it is targeted too.

    ``targeted_from`` is the first day it was targeted. A target that a later publish
    drops is not forgotten: it moves to :class:`~miniapps.models.target_history.EndedTarget`.
    """

    __tablename__ = "app_targets"
    __table_args__ = (UniqueConstraint("app_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    targeted_from: Mapped[date]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
