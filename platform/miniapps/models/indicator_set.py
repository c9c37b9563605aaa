"""Indicator year sets loaded centrally: every load of a changed file is a new version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.user import User


class IndicatorSet(Base):
    """One version of one financial year's indicators for an app; never updated. The
    highest version of an (app, year) is the one in force."""

    __tablename__ = "indicator_sets"
    __table_args__ = (UniqueConstraint("app_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    year: Mapped[str] = mapped_column(String(7))  # "2025/26"
    version: Mapped[int]
    # Plain JSON keeps the file's member order (the indicators' order on every page).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    illustrative: Mapped[bool] = mapped_column(default=False)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    loaded_by: Mapped[User | None] = relationship()
