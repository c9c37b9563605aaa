"""Sign in, sign out, choose the organisation to act for."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from miniapps.db import db
from miniapps.services.users import active_user
from miniapps.services.users.sign_in import WRONG, SignInBusy, SignInThrottled, sign_in
from miniapps.services.users.throttle import ThrottlePolicy
from miniapps.services.users.user_sessions import SessionPolicy, end_session
from miniapps.web.auth.blueprint import bp
from miniapps.web.session_user import SESSION_ID_KEY, db_units


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
                signed_in = sign_in(
                    db_units(),
                    email,
                    password,
                    request.remote_addr or "unknown",
                    ThrottlePolicy.from_config(current_app.config),
                    SessionPolicy.from_config(current_app.config),
                )
            except (SignInThrottled, SignInBusy) as exc:
                status = 429 if isinstance(exc, SignInThrottled) else 503
                page = render_template("auth/login.html", errors={"email": str(exc)}, email=email)
                return page, status, {"Retry-After": str(exc.retry_after)}
            user = active_user(db.session, signed_in.user_id) if signed_in else None
            if signed_in is None or user is None:
                errors["email"] = WRONG
            else:
                session.clear()  # a fresh session on sign-in (no fixation)
                session[SESSION_ID_KEY] = signed_in.session_id
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
    session_id = session.get(SESSION_ID_KEY)
    if isinstance(session_id, str):
        end_session(db.session, session_id)  # a copy of the cookie is worthless from now on
        db.session.commit()
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
