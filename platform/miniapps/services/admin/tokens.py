"""API tokens in the admin area: who holds which (never the token itself), and revoking."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.models import ApiToken, User
from miniapps.services.admin.audit import audit_admin
from miniapps.services.admin.scope import AdminNotFound, AdminScope
from miniapps.services.records.listing import Page


def tokens_page(
    session: Session, scope: AdminScope, *, user_id: int | None, page: int, page_size: int
) -> Page[ApiToken]:
    """Tokens of the people in the scope, newest first (revoked ones included, marked)."""
    base = select(ApiToken).join(User, ApiToken.user_id == User.id).where(scope.user_clause())
    if user_id is not None:
        base = base.where(ApiToken.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Page(list(rows), total, page, page_size)


def revoke_token(session: Session, scope: AdminScope, token_id: int) -> ApiToken:
    """Revoke one token: from now on it answers 401."""
    token = session.scalar(
        select(ApiToken)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.id == token_id, scope.user_clause())
    )
    if token is None:
        raise AdminNotFound("No such token among those you manage.")
    scope.require_user(token.user)
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        session.flush()
        audit_admin(
            session,
            scope.actor,
            "token_revoked",
            f"/users/{token.user_id}/tokens/{token.id}",
            token.prefix,
            None,
        )
    return token
