"""Period locks: after sign-off, nothing in a period of a periodic app may change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.organisation import Organisation
from miniapps.models.user import User


class PeriodLock(Base):
    """One app's period, locked at an organisation (a PCN or higher) and all beneath it."""

    __tablename__ = "period_locks"
    __table_args__ = (UniqueConstraint("app_id", "organisation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    period: Mapped[str] = mapped_column(String(10))
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    locked_by: Mapped[User | None] = relationship()
