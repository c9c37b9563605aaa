"""Home: the apps the user can use, with the returns due this month and those overdue."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from miniapps.db import db
from miniapps.services import app_visibility
from miniapps.services.channels.inbox import open_counts
from miniapps.services.definitions import app_definition
from miniapps.services.returns import tracking as returns_service
from miniapps.web.home.blueprint import bp
from miniapps.web.session_user import current_access, current_org


@bp.route("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return my_apps()


def my_apps() -> ResponseReturnValue:
    access = current_access()
    org = current_org()
    apps = app_visibility.visible_apps(db.session, access)
    due = []
    if org is not None:
        due = returns_service.due_for(db.session, access, org, date.today(), apps)
    rows = []
    for app in apps:
        items = [item for item in due if item.app.id == app.id]
        rows.append({"app": app, "definition": app_definition(db.session, app), "due": items})
    # A stakeholder's work is their inbox: what is open and what is overdue.
    inbox = open_counts(db.session, access) if access.stakeholder_org_ids else None
    return render_template(
        "home/index.html",
        rows=rows,
        org=org,
        overdue=[item for item in due if item.status == "overdue"],
        due_now=[item for item in due if item.status != "overdue"],
        inbox=inbox,
    )
