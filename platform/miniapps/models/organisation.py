"""Organisations: ICB > Place > PCN > Practice, with stakeholders beside the tree.

**Active, then and now.** ``active`` says whether an organisation is active *today*
(pages, lists and permissions use it). Its history is ``active_from`` (the first day it
was active; None: since before anyone kept count) and ``closed_on`` (the first day it
was no longer active; None: still open). Marking an organisation inactive records
``closed_on`` as today when no earlier date was given, so it keeps counting for the
periods when it was active; making it active again clears ``closed_on``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, ForeignKey, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from miniapps.models.base import Base, utcnow

ORG_TYPES = ("icb", "place", "pcn", "practice", "stakeholder")
# The type a parent must have, by child type (stakeholders may sit under an ICB or stand alone).
PARENT_TYPES = {
    "icb": (None,),
    "place": ("icb",),
    "pcn": ("place",),
    "practice": ("pcn", "place"),
    "stakeholder": (None, "icb", "place"),
}


PATH_TYPE = String(400).with_variant(String(400, collation="C"), "postgresql")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ods: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Materialised path of ids ("/1/4/9/"): descendants are a prefix match. Byte order
    # ("C" collation) on PostgreSQL, so a subtree is one range scan of the index.
    path: Mapped[str] = mapped_column(PATH_TYPE, index=True, default="/")
    # Stakeholders only: what they are (la_adult_safeguarding, icb_quality, ...); with
    # their parent (a Place or ICB), which channel items reach them.
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    active_from: Mapped[date | None]
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Organisation {self.ods} {self.type}>"

    @validates("active")
    def _record_closure(self, _key: str, active: bool) -> bool:
        if not active and self.closed_on is None:
            self.closed_on = date.today()
        elif active and self.active is False:  # reopened
            self.closed_on = None
        return active

    def active_on(self, day: date) -> bool:
        """Whether the organisation was (or is) active on ``day``."""
        started = self.active_from is None or self.active_from <= day
        return started and (self.closed_on is None or day < self.closed_on)

    def is_within(self, other: Organisation) -> bool:
        """True when this organisation is ``other`` or lies beneath it."""
        return self.path.startswith(other.path)


def subtree(path: str) -> ColumnElement[bool]:
    """SQL: organisations at or beneath the one at ``path``, as an index range.

    Paths end in "/" and "0" is the character after "/", so every descendant's path
    sorts in ``[path, path[:-1] + "0")``.
    """
    return and_(Organisation.path >= path, Organisation.path < path[:-1] + "0")
