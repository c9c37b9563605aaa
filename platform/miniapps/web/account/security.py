"""The signed-in user's password and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.db import db
from miniapps.services.users import PasswordChangeInvalid, change_password
from miniapps.services.users.tokens import revoke_own, token_state, tokens_of
from miniapps.web.account.blueprint import bp
from miniapps.web.session_user import SESSION_ID_KEY


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        kept = session.get(SESSION_ID_KEY)
        try:
            change_password(
                db.session,
                current_user,
                request.form.get("current", ""),
                request.form.get("password", ""),
                request.form.get("confirm", ""),
                keep_session=kept if isinstance(kept, str) else None,
            )
        except PasswordChangeInvalid as exc:
            db.session.rollback()
            errors = {issue.pointer.lstrip("/"): issue.message for issue in exc.issues}
        else:
            db.session.commit()
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("account.password"))
    return render_template("account/password.html", errors=errors), 400 if errors else 200


@bp.route("/tokens")
@login_required
def tokens() -> ResponseReturnValue:
    now = datetime.now(UTC)
    rows = [(token, token_state(token, now)) for token in tokens_of(db.session, current_user)]
    return render_template("account/tokens.html", rows=rows)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = revoke_own(db.session, current_user, token_id)
    if token is None:
        abort(404)
    db.session.commit()
    flash(f"The token {token.prefix}… is revoked: it no longer works.", "success")
    return redirect(url_for("account.tokens"))
