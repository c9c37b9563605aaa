"""Starting a studio draft from something that exists: a template from the gallery, a
spreadsheet of examples or an XLSForm. Refusals are shown at the field, naming the
sheet, row and column; nothing is kept until a draft is made."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.studio.spreadsheet import (
    MAX_FILE_BYTES,
    SpreadsheetRefused,
    definition_from_spreadsheet,
)
from miniapps.core.studio.xlsform import convert_workbook
from miniapps.db import db
from miniapps.services import apps as app_service
from miniapps.services.studio import drafts as draft_service
from miniapps.services.studio.gallery import (
    TemplateNotFound,
    copy_problems,
    definition_from_template,
    gallery_entries,
)
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import studio_access

KINDS = {"spreadsheet": "A spreadsheet of examples", "xlsform": "An XLSForm (KoBoToolbox, ODK)"}


@bp.route("/templates", methods=["GET", "POST"])
@login_required
def gallery() -> ResponseReturnValue:
    access = studio_access()
    entries = gallery_entries()
    chosen = next((e for e in entries if e.id == request.values.get("template")), None)
    if request.values.get("template") and chosen is None:
        abort(404, "There is no such template.")
    app_id = request.form.get("app_id", "").strip()
    title = request.form.get("title", chosen.title if chosen else "")
    if request.method == "GET" or chosen is None:
        return render_template(
            "studio/gallery.html", entries=entries, chosen=chosen, app_id="", title=title, errors={}
        )
    errors = {field: [message] for field, message in copy_problems(app_id, title)}
    if not errors:
        errors.update(_taken(app_id))
    if errors:
        page = render_template(
            "studio/gallery.html",
            entries=entries,
            chosen=chosen,
            app_id=app_id,
            title=title,
            errors=errors,
        )
        return page, 422
    try:
        definition = definition_from_template(chosen.id, app_id, title)
    except TemplateNotFound:  # pragma: no cover - listed entries always load
        abort(404)
    draft = draft_service.start_draft(
        db.session, access, current_user, definition, f"Copied the template “{chosen.title}”"
    )
    db.session.commit()
    flash(f"Started “{draft.title}” from the template “{chosen.title}”.", "success")
    return redirect(url_for("studio.editor", draft_id=draft.id))


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> ResponseReturnValue:
    access = studio_access()
    form = {
        "kind": request.form.get("kind", "spreadsheet"),
        "app_id": request.form.get("app_id", "").strip(),
        "title": request.form.get("title", "").strip(),
        "lenient": bool(request.form.get("lenient")),
    }
    if request.method == "GET":
        return render_template("studio/upload.html", form=form, kinds=KINDS, errors={})
    errors: dict[str, list[str]] = {}
    definition, warnings, summary = _convert(form, errors)
    if definition is not None and not errors:
        errors.update(_taken(definition["id"]))
    if definition is None or errors:
        page = render_template("studio/upload.html", form=form, kinds=KINDS, errors=errors)
        return page, 422
    draft = draft_service.start_draft(db.session, access, current_user, definition, summary)
    db.session.commit()
    # One banner: several on a page would repeat the banner title's id.
    message = f"Started “{draft.title}”. {summary}."
    if warnings:
        message += f" Left out ({len(warnings)}): " + "; ".join(warnings) + "."
    if form["kind"] == "spreadsheet":
        message += (
            " Once it is published, the example rows can be imported as records with the"
            " same file (Import, on the app's page)."
        )
    flash(message, "success")
    return redirect(url_for("studio.editor", draft_id=draft.id))


def _convert(
    form: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[dict[str, Any] | None, list[str], str]:
    """The definition the uploaded file describes, its warnings and the save's summary;
    problems go into ``errors`` by form field."""
    upload = request.files.get("file")
    if form["kind"] not in KINDS:
        errors["kind"] = ["Choose what kind of file it is"]
        return None, [], ""
    if upload is None or not upload.filename:
        errors["file"] = ["Choose a file to upload"]
        return None, [], ""
    name = PurePath(upload.filename).name
    content = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        errors["file"] = [f"{name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"]
        return None, [], ""
    if form["kind"] == "spreadsheet":
        return _from_spreadsheet(content, name, form, errors)
    return _from_xlsform(content, name, form, errors)


def _from_spreadsheet(
    content: bytes, name: str, form: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[dict[str, Any] | None, list[str], str]:
    if not form["app_id"]:
        errors["app_id"] = ["Enter an id for the new app, like staff_training"]
        return None, [], ""
    try:
        drafted = definition_from_spreadsheet(content, name, form["app_id"], form["title"] or None)
    except SpreadsheetRefused as exc:
        errors["file"] = [f"{name}: {line}" for line in exc.lines]
        return None, [], ""
    if not _valid(drafted.definition, errors):
        return None, [], ""
    columns = len(drafted.definition["schema"]["properties"])
    summary = f"Made from the spreadsheet {name}: {columns} field(s)"
    return drafted.definition, [], f"{summary}, {drafted.examples} example row(s)"


def _from_xlsform(
    content: bytes, name: str, form: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[dict[str, Any] | None, list[str], str]:
    fallback = "".join(c if c.isalnum() else "_" for c in PurePath(name).stem.lower())
    conversion = convert_workbook(
        content, lenient=form["lenient"], fallback_id=fallback.strip("_") or "form"
    )
    definition = conversion.definition
    if definition is None:
        errors["file"] = [f"{name}: {line}" for line in conversion.problems]
        if not form["lenient"]:
            errors["file"].append(
                "Tick “Leave out what cannot be converted” to drop these and start anyway"
            )
        return None, [], ""
    # The id and title typed in replace those of the form's settings sheet.
    if form["app_id"]:
        definition["id"] = form["app_id"]
    if form["title"]:
        definition["title"] = form["title"]
    if not _valid(definition, errors):
        return None, [], ""
    return definition, conversion.warnings, f"Made from the XLSForm {name}"


def _valid(definition: dict[str, Any], errors: dict[str, list[str]]) -> bool:
    try:
        validate_definition(definition, source="upload")
    except DefinitionInvalid as exc:
        for issue in exc.issues:
            field = {"/id": "app_id", "/title": "title"}.get(issue.pointer, "file")
            errors.setdefault(field, []).append(f"{issue.pointer or '/'}: {issue.message}")
        return False
    return True


def _taken(app_id: str) -> dict[str, list[str]]:
    if app_service.get_app(db.session, app_id) is None:
        return {}
    return {"app_id": [f"An app with the id {app_id} already exists: choose another id"]}
