"""The answer combinations records hold under their app's ``unique`` member.

One row per (record, key): the record's organisation and app, which key of ``unique``
(its index) and the SHA-256 of the key's canonical answers
(:func:`miniapps.core.records.unique_keys.key_digest`). The unique index on
``(app_id, organisation_id, key_index, key_hash)`` is what settles two writers racing
for the same fridge and day: only one insert can win.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniapps.models.base import Base


class RecordKey(Base):
    __tablename__ = "record_keys"
    __table_args__ = (UniqueConstraint("app_id", "organisation_id", "key_index", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    key_index: Mapped[int]  # the entry of the definition's ``unique``
    key_hash: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)

    def __repr__(self) -> str:
        return f"<RecordKey record={self.record_id} key={self.key_index}>"
