"""The signed-in user's own settings: how they get notification emails."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.services import app_visibility
from miniapps.services.notifications.preferences import preferences_of, save_preferences
from miniapps.web.account.blueprint import bp
from miniapps.web.session_user import current_access


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> ResponseReturnValue:
    apps = app_visibility.visible_apps(db.session, current_access())
    prefs = preferences_of(db.session, current_user)
    chosen: dict[str, str | None] = {
        "default": prefs.default,
        **{app.id: prefs.by_app.get(app.id, "default") for app in apps},
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        default = request.form.get("default")
        by_app = {app.id: request.form.get(f"app-{app.id}") for app in apps}
        try:
            save_preferences(db.session, current_user, default, by_app, [a.id for a in apps])
        except DataInvalid as exc:
            db.session.rollback()
            errors = {
                issue.pointer.removeprefix("/apps/").lstrip("/"): issue.message
                for issue in exc.issues
            }
            chosen |= {"default": default} | by_app
        else:
            db.session.commit()
            flash("Your email settings are saved.", "success")
            return redirect(url_for("account.notifications"))
    return render_template(
        "account/notifications.html",
        apps=apps,
        chosen=chosen,
        errors=errors,
        digest_hour=int(current_app.config["DIGEST_HOUR"]),
    ), 400 if errors else 200
