"""The email outbox seen from the admin area: every message, its state and its content.

In development (no SMTP server) this is where demo users read the emails the platform
sent. A PCN manager sees the messages to people in their PCN; an admin sees all.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from miniapps.models import OUTBOX_STATUSES, OutboxMessage, User
from miniapps.services.admin.scope import AdminNotFound, AdminScope
from miniapps.services.records.listing import Page


def _clause(scope: AdminScope) -> ColumnElement[bool]:
    if scope.is_admin:
        return true()
    return OutboxMessage.to_user_id.in_(select(User.id).where(scope.user_clause()))


def messages_page(
    session: Session,
    scope: AdminScope,
    *,
    status: str | None,
    to: str | None,
    page: int,
    page_size: int,
) -> Page[OutboxMessage]:
    """Messages in the scope, newest first, optionally by state and recipient."""
    base = select(OutboxMessage).where(_clause(scope))
    if status in OUTBOX_STATUSES:
        base = base.where(OutboxMessage.status == status)
    if to:
        base = base.where(OutboxMessage.to_address.contains(to.strip()))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(OutboxMessage.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return Page(list(rows), total, page, page_size)


def visible_message(session: Session, scope: AdminScope, message_id: int) -> OutboxMessage:
    message = session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id, _clause(scope))
    )
    if message is None:
        raise AdminNotFound("No such message among those you may read.")
    return message
