"""Sign in, sign out, choose the organisation to act for."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from miniapps.db import db
from miniapps.services.users import LockedOut, authenticate
from miniapps.web.auth.blueprint import bp


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    email = request.form.get("email", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            try:
                user = authenticate(
                    db.session,
                    email,
                    password,
                    current_app.config["LOGIN_MAX_FAILURES"],
                    current_app.config["LOGIN_WINDOW_SECONDS"],
                )
            except LockedOut as exc:
                db.session.commit()
                return render_template(
                    "auth/login.html", errors={"email": str(exc)}, email=email
                ), 429
            db.session.commit()
            if user is None:
                errors["email"] = "The email address or password is not right"
            else:
                session.clear()  # a fresh session on sign-in (no fixation)
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
    status = 400 if errors else 200
    return render_template("auth/login.html", errors=errors, email=email), status


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("home.index")


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/organisation", methods=["POST"])
@login_required
def switch_organisation() -> ResponseReturnValue:
    wanted = request.form.get("org_id", type=int)
    if any(m.organisation_id == wanted for m in current_user.memberships):
        session["org_id"] = wanted
    return redirect(_safe_next(request.form.get("next")))
