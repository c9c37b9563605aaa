"""API tokens: who holds which, and revoking one."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.admin.tokens import revoke_token, tokens_page
from miniapps.services.users.tokens import token_state
from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import page_number, page_size, pages, scope


@bp.route("/tokens")
def tokens() -> ResponseReturnValue:
    user_id = request.args.get("user", type=int)
    found = tokens_page(
        db.session, scope(), user_id=user_id, page=page_number(), page_size=page_size()
    )
    now = datetime.now(UTC)
    expired = {token.id for token in found.items if token_state(token, now) == "expired"}
    return render_template(
        "admin/tokens.html",
        found=found,
        user_id=user_id,
        pages=pages(found.total),
        expired=expired,
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int) -> ResponseReturnValue:
    token = revoke_token(db.session, scope(), token_id)
    db.session.commit()
    flash(f"The token {token.prefix}… of {token.user.email} is revoked.", "success")
    return redirect(url_for("admin.tokens", user=request.form.get("user", type=int)))
