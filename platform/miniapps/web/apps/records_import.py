"""Import records from a spreadsheet (upload → check → preview → confirm → progress) and
export them.

A checked upload is kept in the imports folder (``IMPORTS_DIR``, default
``instance/imports``, see :mod:`miniapps.services.imports.store`) under a random token;
the page carries only the token, and the file's owner, app, organisation and period are
read back from the server's own note beside it, never from the form. Confirming starts
the import in the background (:mod:`miniapps.services.imports.jobs`) and sends the user to
``/apps/<id>/import/<token>``: a progress bar while it runs (live through
``js/import_progress.mjs`` polling ``.../progress``, or a self-refreshing page without
JavaScript), then the result or every problem. Only the uploader sees it.

``/apps/<id>/export?format=csv|xlsx|json&org=&period=&status=`` downloads the
records the user may see. A CSV export of an app with repeating sections is a
ZIP: the main CSV plus one CSV per section, keyed by ``record_id``. The records are read
on the read replica when one is configured (:mod:`miniapps.web.replica_reads`); the
audits of the export are written on the primary.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports.record_files import write_download
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.core.periods.keys import period_label, recent_periods
from miniapps.db import db
from miniapps.models import App
from miniapps.services.app_retirement import refuse_if_retired
from miniapps.services.definitions import app_definition
from miniapps.services.exports.records import RecordExport
from miniapps.services.imports.jobs import (
    ImportExpired,
    NotYourImport,
    SessionFactory,
    check_upload,
    confirm_import,
    own_import,
)
from miniapps.services.imports.records import ImportReport
from miniapps.services.imports.store import ImportFolder, ImportProgress
from miniapps.services.organisations import UnknownOrganisation, by_ods, writable_orgs
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app, load_listed_app
from miniapps.web.replica_reads import read_only_work
from miniapps.web.session_user import current_access

NOT_FOUND = (
    "There is no import at this address for you. Results are kept for a day, and only "
    "the person who uploaded the file can see them."
)
# Without JavaScript the progress page reloads itself this often (seconds).
REFRESH_SECONDS = 3
EXPORT_CHUNK = 1 << 16  # bytes read from the export's temporary file per write
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}


@bp.route("/<app_id>/import", methods=["GET"])
@login_required
def import_form(app_id: str) -> ResponseReturnValue:
    app, definition, orgs = _importable(app_id)
    return render_template("apps/import.html", **_form_context(app, definition, orgs))


@bp.route("/<app_id>/import", methods=["POST"])
@login_required
def import_upload(app_id: str) -> ResponseReturnValue:
    app, definition, orgs = _importable(app_id)
    if request.form.get("token"):
        return _confirm(app, request.form["token"])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        context = _form_context(app, definition, orgs, error="Choose a CSV or XLSX file")
        return render_template("apps/import.html", **context), 400
    ods = request.form.get("org", "").strip() or None
    if ods is None and len(orgs) == 1:
        ods = orgs[0].ods
    period = request.form.get("period", "").strip() or None
    report, token = check_upload(
        db.session,
        current_access(),
        app,
        upload.read(),
        upload.filename,
        org=ods,
        period=period,
        user=current_user,
        folder=_folder(),
        limits=ReadLimits.from_mapping(current_app.config),
    )
    db.session.rollback()  # a dry run: nothing to keep
    chosen = {"org": ods or "", "period": period or ""}
    return _preview(app, definition, report, token, chosen), 200 if report.ok else 422


def _confirm(app: App, token: str) -> ResponseReturnValue:
    """Start the import of a kept upload (once) and show its progress."""
    try:
        confirm_import(_new_session(), _folder(), token, user_id=current_user.id, app_id=app.id)
    except ImportExpired as exc:
        abort(400, str(exc))
    except NotYourImport as exc:
        abort(403, str(exc))
    return redirect(url_for("apps.import_progress", app_id=app.id, token=token), 303)


@bp.route("/<app_id>/import/<token>")
@login_required
def import_progress(app_id: str, token: str) -> ResponseReturnValue:
    app = load_app(app_id)
    found = _job(app, token)
    if found is None:
        abort(404, NOT_FOUND)
    note, progress = found
    page = render_template(
        "apps/import_progress.html",
        app=app,
        token=token,
        note=note,
        progress=progress,
        refresh_seconds=REFRESH_SECONDS,
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/<app_id>/import/<token>/progress")
@login_required
def import_progress_json(app_id: str, token: str) -> ResponseReturnValue:
    app = load_app(app_id)
    found = _job(app, token)
    response = jsonify(
        found[1].as_json() if found else {"error": "not_found", "message": NOT_FOUND}
    )
    response.status_code = 200 if found else 404
    response.headers["Cache-Control"] = "no-store"
    return response


def _job(app: App, token: str) -> tuple[dict[str, Any], ImportProgress] | None:
    """The note and progress of ``token``'s import, if the current user started it."""
    return own_import(_folder(), token, user_id=current_user.id, app_id=app.id)


def _importable(app_id: str) -> tuple[App, AppDefinition, list[Any]]:
    app = load_app(app_id)
    orgs = writable_orgs(db.session, current_access(), app)
    if not orgs:
        abort(403, f"You may not add {app.title} records.")
    refuse_if_retired(app)
    return app, app_definition(db.session, app), orgs


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


def _folder() -> ImportFolder:
    configured = current_app.config.get("IMPORTS_DIR")
    return ImportFolder(
        Path(configured) if configured else Path(current_app.instance_path) / "imports"
    )


def _new_session() -> SessionFactory:
    """Sessions of this app for the import thread (it outlives the request)."""
    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: db.new_session(flask_app)


def _read_and_close(body: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks; the (unnamed) temporary file is closed, so gone, at the
    end or when the client goes away."""
    try:
        while chunk := body.read(EXPORT_CHUNK):
            yield chunk
    finally:
        body.close()


@bp.route("/<app_id>/export")
@login_required
def export(app_id: str) -> ResponseReturnValue:
    """The export, written to a temporary file from a server-side cursor (the transaction
    ends before the first byte is sent, so a slow download holds no database work open),
    then streamed from that file, which is gone once the response is closed."""
    app = load_listed_app(app_id)  # 404 before anything is read
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx", "json"):
        abort(400, "Choose csv, xlsx or json.")
    within = None
    if ods := request.args.get("org", "").strip():
        try:
            within = by_ods(db.session, ods)
        except UnknownOrganisation:
            abort(404, f"No organisation has the ODS code {ods!r}.")
    definition = app_definition(db.session, app)
    access = current_access()
    base = f"{app.id}-{date.today().isoformat()}"
    body = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent, by _read_and_close)
    try:
        with read_only_work() as session:  # the records: on the read replica if there is one
            records = RecordExport(
                session,
                access,
                app,
                within=within,
                period=request.args.get("period", "").strip() or None,
                status=request.args.get("status", "").strip() or None,
            )
            fmt, _ = write_download(definition, fmt, records.items, body, base)
        # Once the file is made: each channel record exported counts as read (the primary).
        if records.audit(db.session):
            db.session.commit()
        size = body.tell()
        body.seek(0)
    except BaseException:
        body.close()
        raise
    return Response(
        _read_and_close(body),
        content_type=EXPORT_TYPES[fmt],
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'attachment; filename="{base}.{fmt}"',
            "Content-Length": str(size),
        },
    )
