"""Comments on records: a thread one level deep, with @mentions of people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapps.models.base import Base, utcnow
from miniapps.models.user import User

MAX_COMMENT_LENGTH = 5000


class Comment(Base):
    """One comment on a record, or a reply to one (``parent_id``). Never edited."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id", viewonly=True)
    mentions: Mapped[list[CommentMention]] = relationship(
        cascade="all, delete-orphan", order_by="CommentMention.user_id"
    )


class CommentMention(Base):
    """A user named in a comment with ``@email``."""

    __tablename__ = "comment_mentions"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    user: Mapped[User] = relationship()
