"""Home: the apps the user can use, with what is due for their organisation."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from miniapps.core.periods import period_label, period_of
from miniapps.db import db
from miniapps.models import Record
from miniapps.services import apps as app_service
from miniapps.services.records import definition_for
from miniapps.web.home import bp
from miniapps.web.session_user import current_access, current_org


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return my_apps()


def my_apps():  # type: ignore[no-untyped-def]
    access = current_access()
    org = current_org()
    rows = []
    for app in app_service.visible_apps(db.session, access):
        definition = definition_for(db.session, app)
        frequency = (definition.period or {}).get("frequency", "none")
        period = period_of(date.today(), frequency)
        due = None
        if period and org is not None and access.can("write", org, app):
            status = db.session.scalar(
                select(Record.status)
                .where(
                    Record.app_id == app.id,
                    Record.organisation_id == org.id,
                    Record.period == period,
                )
                .order_by(Record.id.desc())
            )
            due = {"period": period, "label": period_label(period), "status": status}
        rows.append({"app": app, "definition": definition, "due": due})
    return render_template("home/index.html", rows=rows, org=org)
