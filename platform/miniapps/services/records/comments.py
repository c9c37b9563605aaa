"""Comments on records: a thread one level deep, with @mentions, through the one
permission filter.

Whoever may see a record may comment on it and reply to a comment. Replying to a reply
adds to the same thread (threads are one level deep).

Mentions are written ``@`` followed by the person's email address, for example
``@jo.bloggs@nhs.net``: email addresses are unique, names are not. Only people who may
see the record can be mentioned; a mention of anyone else is refused, naming the address
as written, so a comment never silently goes unread by someone its author thinks will
see it. The refusal is the same whether or not anyone has that address. Each
person mentioned (other than the author) is emailed, when a ``base_url`` is given, with
who mentioned them and a link to the record, never the comment itself: the details stay
behind sign-in. Everything here flushes only; the caller's boundary commits.

A comment given with a workflow action ("Return for changes" with the reason) joins the
thread too (:func:`add_workflow_comment`), attributed to whoever acted. The action's
audit entry names the comment (``comment_id`` beside its ``/comment`` change), which is
how the thread knows which action a comment was made with
(:func:`workflow_comment_actions`) and the record page shows the reason while the record
stays in the state the action led to (:func:`waiting_comment`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.records.value_safety import text_problem
from miniapps.models import App, AuditEntry, Comment, CommentMention, Record, User
from miniapps.models.comment import MAX_COMMENT_LENGTH
from miniapps.services.channels.thread import on_comment
from miniapps.services.notifications.events import (
    notify_record_event,
    queue_notification,
    record_context,
)
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.audit import audit_entry

# "@" then an email address, not preceded by a word character (so that a bare email
# address such as "jo@nhs.net" in the text is not a mention). A full stop ending a
# sentence is not part of the address.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")


def cannot_mention(email: str) -> str:
    """The refusal for a mention of anyone who cannot see the record, the same for an
    address with no account behind it (so mentions reveal nothing about who exists)."""
    return f"You cannot mention {email}: only people who can see this record can be mentioned"


def parse_mentions(body: str) -> list[str]:
    """Email addresses mentioned in ``body``, lower-cased, in order, each once."""
    found: dict[str, None] = {}
    for match in MENTION.finditer(body):
        found.setdefault(match.group(1).rstrip(".").lower(), None)
    return list(found)


def add_comment(
    session: Session,
    access: Access,
    record: Record,
    body: str,
    actor: User,
    parent: Comment | None = None,
    base_url: str | None = None,
) -> Comment:
    """Add a comment (or a reply to ``parent``) to ``record`` and tell whoever it mentions.

    Raises :class:`Forbidden` if ``access`` may not see the record, and
    :class:`DataInvalid` (pointer ``/body``) for an empty or too long comment or a
    mention of someone who cannot be mentioned.
    """
    app = session.get(App, record.app_id)
    if not access.can_see_record(record, app):
        raise Forbidden("You may not comment on this record.")
    text = (body or "").strip()
    if not text:
        raise DataInvalid([Issue("/body", "Enter a comment")])
    if len(text) > MAX_COMMENT_LENGTH:
        raise DataInvalid(
            [Issue("/body", f"Comment must be {MAX_COMMENT_LENGTH:,} characters or fewer")]
        )
    _refuse_unsafe_text(text, "/body")
    if parent is not None and parent.record_id != record.id:
        raise DataInvalid([Issue("/parent_id", "The comment you replied to is not on this record")])
    mentioned = _resolve_mentions(session, record, app, parse_mentions(text), "/body")
    comment = Comment(
        record_id=record.id,
        parent_id=(parent.parent_id or parent.id) if parent is not None else None,
        author_id=actor.id,
        body=text,
        mentions=[CommentMention(user_id=user.id) for user in mentioned],
    )
    session.add(comment)
    session.flush()
    change = {
        "pointer": f"/comments/{comment.id}",
        "old": None,
        "new": text,
        "parent_id": comment.parent_id,
        "mentions": [user.email for user in mentioned],
    }
    audit_entry(session, record, actor, "comment", [change])
    recipients = _tell_mentioned(session, record, mentioned, actor, base_url)
    skip = {user.id for user in recipients}
    skip |= {u.id for u in on_comment(session, access, record, comment, actor, base_url, skip)}
    if base_url:  # the definition's notifications "on": "commented"; mentioned: told above
        notify_record_event(session, record, ["commented"], actor, base_url, skip=skip)
    return comment


def _refuse_unsafe_text(text: str, pointer: str) -> None:
    """A comment with a character no record value may hold (NUL, other control characters,
    a lone surrogate) is refused at ``pointer``, as a record's value would be."""
    problem = text_problem(text)
    if problem is not None:
        raise DataInvalid([Issue(pointer, f"Comment {problem}")])


def add_workflow_comment(
    session: Session, record: Record, body: str, actor: User, base_url: str | None = None
) -> Comment:
    """Start a thread with the comment ``actor`` gave with a workflow action; the caller
    (the transition, which checked who may act) names it in the action's audit entry.

    Raises :class:`DataInvalid` at ``/comment`` for a comment that is too long or
    mentions someone who cannot be mentioned; nothing is stored then."""
    text = body.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise DataInvalid(
            [Issue("/comment", f"Comment must be {MAX_COMMENT_LENGTH:,} characters or fewer")]
        )
    _refuse_unsafe_text(text, "/comment")
    app = session.get(App, record.app_id)
    mentioned = _resolve_mentions(session, record, app, parse_mentions(text), "/comment")
    comment = Comment(
        record_id=record.id,
        author_id=actor.id,
        body=text,
        mentions=[CommentMention(user_id=user.id) for user in mentioned],
    )
    session.add(comment)
    session.flush()
    _tell_mentioned(session, record, mentioned, actor, base_url)
    return comment


def workflow_comment_actions(session: Session, record: Record) -> dict[int, str]:
    """The comments of ``record`` made with a workflow action: comment id → action."""
    return {
        comment_id: entry.action
        for entry in _transitions(session, record)
        if (comment_id := _comment_id(entry.changes)) is not None
    }


def waiting_comment(session: Session, record: Record) -> tuple[Comment, str] | None:
    """The comment made with the record's latest workflow action, and that action, while
    the record is still in the state the action led to; None when it had no comment."""
    entries = _transitions(session, record)
    if not entries:
        return None
    latest = entries[-1]
    comment_id = _comment_id(latest.changes)
    moved_to = next(c.get("new") for c in latest.changes if c.get("pointer") == "/status")
    if comment_id is None or moved_to != record.status:
        return None
    comment = session.get(Comment, comment_id)
    return (comment, latest.action) if comment is not None else None


def _transitions(session: Session, record: Record) -> list[AuditEntry]:
    """The record's workflow steps, oldest first: audit entries that changed its status."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.record_id == record.id,
            AuditEntry.action.not_in(("create", "update", "comment", "migrate")),
        )
        .order_by(AuditEntry.id)
    )
    return [e for e in entries if any(c.get("pointer") == "/status" for c in e.changes)]


def _comment_id(changes: list[dict[str, Any]]) -> int | None:
    for change in changes:
        if change.get("pointer") == "/comment" and isinstance(change.get("comment_id"), int):
            return int(change["comment_id"])
    return None


def _tell_mentioned(
    session: Session, record: Record, mentioned: list[User], actor: User, base_url: str | None
) -> list[User]:
    """Email each person mentioned, but the author, a link (never the comment)."""
    recipients = [user for user in mentioned if user.id != actor.id]
    if base_url and recipients:
        context = record_context(session, record, base_url=base_url, actor=actor)
        queue_notification(
            session, "record_mention", recipients=recipients, context=context, record=record
        )
    return recipients


def thread(session: Session, record: Record) -> list[Comment]:
    """The record's comments, oldest first, each with its ``replies`` oldest first."""
    return list(
        session.scalars(
            select(Comment)
            .where(Comment.record_id == record.id, Comment.parent_id.is_(None))
            .options(
                selectinload(Comment.author),
                selectinload(Comment.replies).selectinload(Comment.author),
            )
            .order_by(Comment.id)
        )
    )


def get_comment(session: Session, record: Record, comment_id: int) -> Comment | None:
    comment = session.get(Comment, comment_id)
    return comment if comment is not None and comment.record_id == record.id else None


def _resolve_mentions(
    session: Session, record: Record, app: App | None, emails: list[str], pointer: str
) -> list[User]:
    if not emails:
        return []
    users = {
        user.email.lower(): user
        for user in session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    issues: list[Issue] = []
    found: list[User] = []
    for email in emails:
        user = users.get(email)
        if user is None or not user.active or not Access(user).can_see_record(record, app):
            # One message whether or not the address exists: a comment box is no way to
            # find out who has an account (issue 15).
            issues.append(Issue(pointer, cannot_mention(email)))
        else:
            found.append(user)
    if issues:
        raise DataInvalid(issues)
    return found
