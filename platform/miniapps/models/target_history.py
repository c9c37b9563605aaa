"""Targets an app no longer has: who was targeted, from when and until when.

Together with the current :class:`~miniapps.models.app.AppTarget` rows they say which
organisations an app was published to on any past day, so returns owed in a past period
do not change when the targets change later.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base
from miniapps.models.organisation import Organisation


class EndedTarget(Base):
    """An organisation an app was published to from ``targeted_from`` until the day
    before ``ended_on`` (the first day it was no longer targeted)."""

    __tablename__ = "app_targets_ended"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    targeted_from: Mapped[date]
    ended_on: Mapped[date]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
