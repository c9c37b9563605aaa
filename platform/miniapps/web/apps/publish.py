"""Publishing an app from the browser: upload or paste JSON, check, preview, publish."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.definitions.loading import definition_from_text, validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange, Issue
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.studio.change_words import describe_changes
from miniapps.db import db
from miniapps.models import Organisation
from miniapps.services import apps as app_service
from miniapps.services.app_retirement import RetireRefused, may_retire, retire_app, version_history
from miniapps.services.definitions import published_versions
from miniapps.services.organisations import targeted_organisations
from miniapps.services.permissions import PUBLISH, Forbidden
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.publish_targets import target_tree
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access


@bp.route("/publish", methods=["GET", "POST"])
@login_required
def publish() -> ResponseReturnValue:
    access = current_access()
    if not access.may_anywhere(PUBLISH):
        abort(403, access.publish_refusal())
    targets = access.orgs(db.session, PUBLISH)
    if request.method == "GET":
        return _page(targets, set(), "", [], None, None), 200
    source = _uploaded_text()
    chosen = set(request.form.getlist("to"))
    definition, issues = _read_definition(source)
    if definition is not None:
        # Whether it may be published at all is said at the check, before any preview.
        issues = app_service.publish_problems(db.session, access, definition)
    chosen_orgs = [o for o in targets if o.ods in chosen]
    if definition is not None and not issues and request.form.get("action") == "publish":
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
            except Forbidden as exc:
                db.session.rollback()
                issues = [Issue("/to", str(exc), "forbidden")]
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
    # Every answer re-renders the page with what was pasted (or uploaded) still there.
    page = _page(targets, chosen, source or "", issues, definition, preview)
    return page, 422 if issues else 200


def _read_definition(source: str | None) -> tuple[AppDefinition | None, list[Issue]]:
    """The checked definition in ``source``, or the problems that stop it being read."""
    if source is None:
        return None, [Issue("", "The file must be UTF-8 encoded JSON text")]
    if not source.strip():
        return None, [Issue("", "Choose a JSON file or paste a definition")]
    try:
        raw = definition_from_text(source)
    except ValueError as exc:  # not JSON, a member twice, too deep, not an object
        return None, [Issue("", f"This {exc}")]
    try:
        return validate_definition(raw, source="definition"), []
    except DefinitionInvalid as exc:
        return None, exc.issues


def _page(
    targets: list[Organisation],
    chosen: set[str],
    source: str,
    issues: list[Issue],
    definition: AppDefinition | None,
    preview: Any,
) -> str:
    access = current_access()
    return render_template(
        "apps/publish.html",
        target_tree=target_tree(targets),
        # A stakeholder user publishes an ad hoc app that their organisation will own.
        owners=[] if access.may_anywhere_by_role(PUBLISH) else access.stakeholders_with_area(),
        chosen=chosen,
        source=source,
        issues=issues,
        definition=definition,
        preview=preview,
    )


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
        versions=version_history(db.session, app),
        changes=version_changes(versions),
        targets=target_orgs,
        latest=latest,
        latest_json=json.dumps(latest, indent=2, ensure_ascii=False),
        may_retire=app.status == "published" and may_retire(db.session, current_access(), app),
    )


def version_changes(versions: list[Any]) -> dict[int, list[str]]:
    """Each version's changes against the version before it, in words (newest first
    in, by version number out); the first version has none to compare with."""
    changes: dict[int, list[str]] = {}
    for newer, older in pairwise(versions):
        try:
            changes[newer.version] = describe_changes(older.definition, newer.definition)
        except (TypeError, AttributeError, KeyError, ValueError):  # a definition of old
            changes[newer.version] = []
    return changes


@bp.route("/<app_id>/retire", methods=["GET", "POST"])
@login_required
def retire(app_id: str) -> ResponseReturnValue:
    """Retire the app after a confirmation page: no new records, old ones kept."""
    app = load_app(app_id)
    access = current_access()
    if not may_retire(db.session, access, app):
        abort(403, f"You may not retire {app.title}: only those who may publish it can.")
    if request.method == "GET":
        return render_template("apps/retire.html", app=app)
    try:
        retire_app(db.session, access, current_user, app)
    except RetireRefused as exc:
        db.session.rollback()
        flash(str(exc), "info")
    else:
        db.session.commit()
        flash(
            f"{app.title} is retired: no new records can be added. Its records are kept.", "success"
        )
    return redirect(url_for("apps.definition", app_id=app.id))
