"""Publishing an app from the browser: upload or paste JSON, check, preview, publish."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange, Issue
from miniapps.core.forms import bind_form, compile_form
from miniapps.db import db
from miniapps.services import apps as app_service
from miniapps.services.definitions import published_versions
from miniapps.services.organisations import targeted_organisations
from miniapps.services.permissions import PUBLISH
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access


@bp.route("/publish", methods=["GET", "POST"])
@login_required
def publish() -> ResponseReturnValue:
    access = current_access()
    if not access.may_anywhere(PUBLISH):
        abort(403, "You may not publish apps.")
    targets = access.orgs(db.session, PUBLISH)
    if request.method == "GET":
        return render_template("apps/publish.html", targets=targets, chosen=set(), source="")
    source = _uploaded_text()
    chosen = set(request.form.getlist("to"))
    issues: list[Issue] = []
    definition: AppDefinition | None = None
    try:
        raw = json.loads(source) if source and source.strip() else None
        if source is None:
            issues = [Issue("", "The file must be UTF-8 encoded JSON text")]
        elif raw is None:
            issues = [Issue("", "Choose a JSON file or paste a definition")]
        elif not isinstance(raw, dict):
            issues = [Issue("", "The definition must be a JSON object")]
        else:
            definition = validate_definition(raw, source="definition")
    except json.JSONDecodeError as exc:
        issues = [
            Issue("", f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        ]
    except DefinitionInvalid as exc:
        issues = exc.issues
    chosen_orgs = [o for o in targets if o.ods in chosen]
    if definition is not None and request.form.get("action") == "publish":
        if not chosen_orgs:
            issues = [Issue("/to", "Choose at least one organisation to publish to")]
        else:
            try:
                result = app_service.publish(
                    db.session, definition, chosen_orgs, current_user, access=access
                )
            except IncompatibleChange as exc:
                db.session.rollback()
                issues = exc.issues
            else:
                db.session.commit()
                verb = "Published" if result.created else "Already published:"
                flash(
                    f"{verb} {definition.title} version {definition.version} to "
                    f"{', '.join(o.name for o in chosen_orgs)}.",
                    "success",
                )
                return redirect(url_for("apps.records", app_id=definition.id))
    preview = (
        bind_form(compile_form(definition.schema, definition.ui))
        if definition and not issues
        else None
    )
    status = 422 if issues else 200
    return render_template(
        "apps/publish.html",
        targets=targets,
        chosen=chosen,
        source=source or "",
        issues=issues,
        definition=definition,
        preview=preview,
    ), status


def _uploaded_text() -> str | None:
    """The uploaded file's text, else the pasted text; None for a file that is not UTF-8."""
    upload = request.files.get("definition_file")
    if upload is not None and upload.filename:
        try:
            return upload.stream.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    return request.form.get("definition", "")


@bp.route("/<app_id>/about")
@login_required
def definition(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    versions = published_versions(db.session, app.id)
    target_orgs = targeted_organisations(db.session, app)
    latest: dict[str, Any] = versions[0].definition if versions else {}
    return render_template(
        "apps/definition.html",
        app=app,
        versions=versions,
        targets=target_orgs,
        latest=latest,
        latest_json=json.dumps(latest, indent=2, ensure_ascii=False),
    )
