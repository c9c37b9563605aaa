"""``/invitations/<token>``: the invitee (or someone reset) sets a password, without signing in."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import logout_user

from miniapps.db import db
from miniapps.services.invitations import (
    LinkUnusable,
    PasswordInvalid,
    accept_link,
    usable_link,
)
from miniapps.web.invitations.blueprint import bp


@bp.after_request
def no_referrer(response: Response) -> Response:
    # The token is in the URL: never send it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str) -> ResponseReturnValue:
    try:
        invitation = usable_link(db.session, token)
    except LinkUnusable as exc:
        return render_template("admin/link_unusable.html", message=str(exc)), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = accept_link(
                db.session, token, request.form.get("password", ""), request.form.get("confirm", "")
            )
        except PasswordInvalid as exc:
            db.session.rollback()
            errors = {i.pointer.lstrip("/"): i.message for i in exc.issues}
        except LinkUnusable as exc:
            db.session.rollback()
            return render_template("admin/link_unusable.html", message=str(exc)), 404
        else:
            db.session.commit()
            logout_user()  # whoever was signed in on this browser, the new password is theirs
            flash(f"Your password is set. Sign in as {user.email}.", "success")
            return redirect(url_for("auth.login"))
    return render_template(
        "admin/accept.html", invitation=invitation, errors=errors
    ), 400 if errors else 200
