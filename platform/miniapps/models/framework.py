"""Compliance frameworks loaded centrally: each version is stored once and never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.user import User


class Framework(Base):
    """One version of a compliance framework (e.g. cqc-saf 2024); never updated. A later
    version may replace an earlier one (its content says which, with a statement mapping)."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(40), index=True)  # "cqc-saf"
    version: Mapped[str] = mapped_column(String(20))  # "2024"
    title: Mapped[str] = mapped_column(String(255))
    # Plain JSON keeps the file's member order (key questions and statements in order).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    loaded_by: Mapped[User | None] = relationship()
