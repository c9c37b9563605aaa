"""The studio's front page (``GET /studio``: drafts, apps the user may change, ways to
start), a blank new app (``GET/POST /studio/new``) and a draft of a published app's
next version (``POST /studio/apps/<app_id>/draft``)."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.studio.editing import blank_definition
from miniapps.db import db
from miniapps.services import app_visibility
from miniapps.services import apps as app_service
from miniapps.services.permissions import Forbidden
from miniapps.services.publish_rights import not_owned
from miniapps.services.studio import drafts as draft_service
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import load_draft, studio_access

APP_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@bp.context_processor
def studio_links() -> dict[str, object]:
    """Which studio pages exist (the preview and publish pages come from another module)."""
    return {"studio_endpoints": frozenset(current_app.view_functions)}


@bp.route("")
@login_required
def index() -> ResponseReturnValue:
    access = studio_access()
    drafts = draft_service.visible_drafts(db.session, access)
    changeable = [
        app
        for app in app_visibility.visible_apps(db.session, access)
        if not_owned(access, app) is None
    ]
    return render_template("studio/index.html", drafts=drafts, apps=changeable)


def _new_problems(app_id: str, title: str) -> dict[str, str]:
    problems = {}
    if not title:
        problems["title"] = "Enter the app's name"
    elif len(title) > 200:
        problems["title"] = "The app's name must be 200 characters or fewer"
    if not app_id:
        problems["app_id"] = "Enter a short name for the app's address, like staff_training"
    elif len(app_id) > 64 or not APP_ID.match(app_id):
        problems["app_id"] = (
            "The short name must start with a small letter and use only small letters, "
            "digits and _ (at most 64), like staff_training"
        )
    elif app_service.get_app(db.session, app_id) is not None:
        problems["app_id"] = (
            f"An app called {app_id} exists already: choose another short name "
            "(or change that app from the list of apps)"
        )
    return problems


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    access = studio_access()
    title = request.form.get("title", "").strip()
    app_id = request.form.get("app_id", "").strip()
    if request.method == "GET":
        return render_template("studio/new.html", title="", app_id="", problems={})
    problems = _new_problems(app_id, title)
    if problems:
        page = render_template("studio/new.html", title=title, app_id=app_id, problems=problems)
        return page, 422
    definition = blank_definition(app_id, title)
    draft = draft_service.start_draft(
        db.session, access, current_user, definition, "Started a blank app"
    )
    db.session.commit()
    flash(f"Started {title}: add its questions below.", "success")
    return redirect(url_for("studio.editor", draft_id=draft.id))


@bp.post("/apps/<app_id>/draft")
@login_required
def change_app(app_id: str) -> ResponseReturnValue:
    access = studio_access()
    app = app_service.get_app(db.session, app_id)
    if app is None or not app_visibility.sees_app(db.session, access, app):
        abort(404, app_service.hidden_id_message(app_id))
    try:
        draft = draft_service.draft_from_app(db.session, access, current_user, app)
    except Forbidden as exc:
        abort(403, str(exc))
    except draft_service.DraftNotFound as exc:
        abort(404, str(exc))
    db.session.commit()
    return redirect(url_for("studio.editor", draft_id=draft.id))


@bp.post("/<int:draft_id>/discard")
@login_required
def discard(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    try:
        draft_service.discard_draft(db.session, draft, current_user)
    except draft_service.DraftClosed as exc:
        abort(409, str(exc))
    db.session.commit()
    flash(f"Discarded the draft {draft.title or draft.app_id}. Its saves are kept.", "success")
    return redirect(url_for("studio.index"))
