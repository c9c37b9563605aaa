"""The actions of an app with ``follow_ups``: ``/apps/<app_id>/actions`` (open, overdue
or done, across the organisations the user may read) and marking one done, from that
page or the record page's "Actions" panel."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.errors import DataInvalid
from miniapps.core.records.follow_up_items import chase_every_days
from miniapps.db import db
from miniapps.models import App
from miniapps.services.definitions import app_definition
from miniapps.services.follow_ups.actions import close_follow_up as close_action
from miniapps.services.follow_ups.actions import visible_follow_up
from miniapps.services.follow_ups.listing import STATUS_FILTERS, actions_page
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app, render_record_page
from miniapps.web.session_user import current_access


def _app_with_actions(app_id: str) -> App:
    app = load_app(app_id)
    if app_definition(db.session, app).follow_ups is None:
        abort(404, f"{app.title} makes no actions.")
    return app


@bp.route("/<app_id>/actions")
@login_required
def follow_ups(app_id: str) -> ResponseReturnValue:
    app = _app_with_actions(app_id)
    return _actions_page(app)


def _actions_page(app: App, **extra: Any) -> str:
    filters = {k: request.values.get(k, "").strip() for k in ("status", "org")}
    if filters["status"] not in STATUS_FILTERS:
        filters["status"] = "open"
    try:
        within = by_ods(db.session, filters["org"]) if filters["org"] else None
    except UnknownOrganisation:
        abort(404, f"No organisation has the ODS code {filters['org']!r}.")
    page = max(request.args.get("page", 1, type=int) or 1, 1)  # bounded: web.converters
    found = actions_page(
        db.session,
        current_access(),
        app,
        status=filters["status"],
        within=within,
        page=page,
    )
    return render_template(
        "apps/follow_ups.html",
        app=app,
        found=found,
        filters=filters,
        statuses=STATUS_FILTERS,
        chase_days=chase_every_days(app_definition(db.session, app).follow_ups),
        close_error=extra.get("close_error"),
    )


@bp.post("/<app_id>/actions/<int:action_id>/done")
@login_required
def close_follow_up(app_id: str, action_id: int) -> ResponseReturnValue:
    app = _app_with_actions(app_id)
    action = visible_follow_up(db.session, current_access(), action_id)
    if action.app_id != app.id:
        abort(404, "There is no such action, or you cannot see it.")
    note = request.form.get("note", "")
    back = request.form.get("back", "actions")
    try:
        close_action(db.session, current_access(), action, note, current_user)
    except DataInvalid as exc:
        db.session.rollback()
        error = {"id": action.id, "message": exc.issues[0].message, "note": note}
        if back == "record":
            return render_record_page(app, action.record, close_error=error), 400
        return _actions_page(app, close_error=error), 400
    db.session.commit()
    flash(f"Action marked as done: {action.title}.", "success")
    if back == "record":
        target = url_for("apps.record", app_id=app.id, record_id=action.record_id)
        return redirect(f"{target}#follow-ups")
    org = request.form.get("org", "")
    status = request.form.get("status", "")
    return redirect(
        url_for("apps.follow_ups", app_id=app.id, org=org or None, status=status or None)
    )
