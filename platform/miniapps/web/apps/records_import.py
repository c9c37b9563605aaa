"""Import records from a spreadsheet (upload → check → preview → confirm) and export them.

The uploaded file is kept between the preview and the confirmation in the
imports folder (``IMPORTS_DIR``, default ``instance/imports``) under a random
token; the page carries only the token, and the file's owner, app, organisation
and period are read back from the server's own note beside it, never from the form.

``/apps/<id>/export?format=csv|xlsx|json&org=&period=&status=`` downloads the
records the user may see. A CSV export of an app with repeating sections is a
ZIP: the main CSV plus one CSV per section, keyed by ``record_id``.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from miniapps.core import record_export
from miniapps.core.definitions import AppDefinition
from miniapps.core.periods import period_label, recent_periods
from miniapps.db import db
from miniapps.models import App
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.record_export import export_items
from miniapps.services.record_import import ImportReport, import_records
from miniapps.services.records import definition_for
from miniapps.web.apps import bp
from miniapps.web.apps.record_form import writable_orgs
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_SECONDS = 24 * 3600
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}


@bp.route("/<app_id>/import", methods=["GET"])
@login_required
def import_form(app_id: str):  # type: ignore[no-untyped-def]
    app, definition, orgs = _importable(app_id)
    return render_template("apps/import.html", **_form_context(app, definition, orgs))


@bp.route("/<app_id>/import", methods=["POST"])
@login_required
def import_upload(app_id: str):  # type: ignore[no-untyped-def]
    app, definition, orgs = _importable(app_id)
    if request.form.get("token"):
        return _confirm(app, definition, request.form["token"])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        context = _form_context(app, definition, orgs, error="Choose a CSV or XLSX file")
        return render_template("apps/import.html", **context), 400
    ods = request.form.get("org", "").strip() or None
    if ods is None and len(orgs) == 1:
        ods = orgs[0].ods
    period = request.form.get("period", "").strip() or None
    content = upload.read()
    token = _keep(app, content, upload.filename, ods, period)
    report = _run(app, content, upload.filename, ods, period, dry_run=True)
    db.session.rollback()
    status = 200 if report.ok else 422
    chosen = {"org": ods or "", "period": period or ""}
    return _preview(app, definition, report, token if report.ok else None, chosen), status


def _confirm(app: App, definition: AppDefinition, token: str):  # type: ignore[no-untyped-def]
    note, content = _kept(app, token)
    report = _run(app, content, note["filename"], note["org"], note["period"], dry_run=False)
    if not report.ok:
        db.session.rollback()
        chosen = {"org": note["org"] or "", "period": note["period"] or ""}
        return _preview(app, definition, report, None, chosen), 422
    db.session.commit()
    _forget(token)
    flash(f"{report.summary.capitalize()} from {note['filename']}.", "success")
    return redirect(url_for("apps.records", app_id=app.id))


def _run(
    app: App, content: bytes, filename: str, ods: str | None, period: str | None, *, dry_run: bool
) -> ImportReport:
    return import_records(
        db.session,
        current_access(),
        app,
        content,
        filename,
        org=ods,
        period=period,
        dry_run=dry_run,
        actor=current_user,
    )


def _importable(app_id: str) -> tuple[App, AppDefinition, list[Any]]:
    app = load_app(app_id)
    orgs = writable_orgs(app)
    if not orgs:
        abort(403, f"You may not add {app.title} records.")
    return app, definition_for(db.session, app), orgs


def _form_context(
    app: App, definition: AppDefinition, orgs: list[Any], error: str | None = None
) -> dict[str, Any]:
    frequency = definition.period.get("frequency", "none")
    periods = recent_periods(date.today(), frequency, 12) if frequency != "none" else []
    return {
        "app": app,
        "definition": definition,
        "orgs": orgs,
        "periods": periods,
        "period_label": period_label,
        "fields": [f for f in definition.fields if "/-" not in f.pointer and f.kind != "object"],
        "error": error,
    }


def _preview(
    app: App,
    definition: AppDefinition,
    report: ImportReport,
    token: str | None,
    chosen: dict[str, str],
) -> str:
    """The check page; ``chosen`` (organisation, period) is carried into a re-upload."""
    return render_template(
        "apps/import_preview.html",
        app=app,
        definition=definition,
        report=report,
        token=token,
        chosen=chosen,
    )


def _imports_dir() -> Path:
    configured = current_app.config.get("IMPORTS_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(app: App, content: bytes, filename: str, ods: str | None, period: str | None) -> str:
    """Store the upload under a new random token with a note of whose it is."""
    folder = _imports_dir()
    for old in folder.iterdir():  # tidy abandoned uploads
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.upload").write_bytes(content)
    note = {
        "user_id": current_user.id,
        "app_id": app.id,
        "filename": Path(filename).name,
        "org": ods,
        "period": period,
    }
    (folder / f"{token}.json").write_text(json.dumps(note))
    return token


def _kept(app: App, token: str) -> tuple[dict[str, Any], bytes]:
    """The note and bytes kept under ``token``, if they belong to this user and app."""
    if not TOKEN.match(token):
        abort(400, "This import has expired. Upload the file again.")
    folder = _imports_dir()
    try:
        note = json.loads((folder / f"{token}.json").read_text())
        content = (folder / f"{token}.upload").read_bytes()
    except (OSError, ValueError):
        abort(400, "This import has expired. Upload the file again.")
    if note.get("user_id") != current_user.id or note.get("app_id") != app.id:
        abort(403, "This import belongs to someone else.")
    return note, content


def _forget(token: str) -> None:
    folder = _imports_dir()
    for suffix in (".upload", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


@bp.route("/<app_id>/export")
@login_required
def export(app_id: str):  # type: ignore[no-untyped-def]
    app = load_app(app_id)
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx", "json"):
        abort(400, "Choose csv, xlsx or json.")
    within = None
    if ods := request.args.get("org", "").strip():
        try:
            within = by_ods(db.session, ods)
        except UnknownOrganisation:
            abort(404, f"No organisation has the ODS code {ods!r}.")
    definition = definition_for(db.session, app)
    items = export_items(
        db.session,
        current_access(),
        app,
        within=within,
        period=request.args.get("period", "").strip() or None,
        status=request.args.get("status", "").strip() or None,
    )
    base = f"{app.id}-{date.today().isoformat()}"
    if fmt == "json":
        body: bytes = record_export.to_json(definition, items).encode("utf-8")
    elif fmt == "xlsx":
        body = record_export.to_xlsx(definition, items)
    else:
        files = record_export.to_csv(definition, items)
        if len(files) > 1:
            fmt, body = "zip", record_export.csv_zip(files, f"{base}.csv")
        else:
            body = files[record_export.MAIN].encode("utf-8-sig")
    return Response(
        body,
        content_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{base}.{fmt}"'},
    )
