"""The matrix page of an app declaring ``matrix`` (the training matrix):
``/apps/<app_id>/matrix?org=ODS&show=all|problems|due_soon`` and its CSV
(``/apps/<app_id>/matrix.csv`` with the same arguments).

Who may open it follows the app's read rules: practice roles their own practice, PCN
managers the practices of their PCN, platform admins any. Anyone else, an app without a
matrix and an unknown organisation get "page not found".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.exports.cells import csv_text
from miniapps.core.records.matrix import PROBLEMS, STATUS_TITLES, cell_text
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import READ
from miniapps.services.records.deadlines import london_day
from miniapps.services.records.matrix import Matrix, MatrixRow, org_matrix
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

# ?show=: which people the table lists.
SHOWS = {
    "all": ("Everyone", None),
    "problems": ("Out of date or missing", PROBLEMS),
    "due_soon": ("Due soon", frozenset({"due_soon"})),
}
TAG_CLASSES = {
    "in_date": "nhsuk-tag--green",
    "due_soon": "nhsuk-tag--yellow",
    "out_of_date": "nhsuk-tag--red",
    "missing": "nhsuk-tag--orange",
    "not_required": "nhsuk-tag--grey",
}


def _matrix_request(app_id: str) -> tuple[App, Matrix, str, list[Organisation]]:
    """The app, the asked organisation's matrix, the filter and the organisations the
    user may choose from; a 404 for anything they may not see."""
    app = load_app(app_id)
    definition = app_definition(db.session, app)
    if not definition.matrix:
        abort(404, f"{app.title} has no matrix.")
    access = current_access()
    choices = [o for o in access.orgs(db.session, READ, app) if o.type == "practice"]
    org = _asked_org(request.args.get("org", "").strip(), choices)
    if org is None or not access.can(READ, org, app):
        abort(404, "There is no such matrix, or you cannot see it.")
    show = request.args.get("show", "all")
    if show not in SHOWS:
        show = "all"
    matrix = org_matrix(db.session, app, definition, org, london_day(datetime.now(UTC)))
    assert matrix is not None  # the definition has a matrix
    return app, matrix, show, choices


def _asked_org(ods: str, choices: list[Organisation]) -> Organisation | None:
    if ods:
        try:
            return by_ods(db.session, ods)
        except UnknownOrganisation:
            return None
    here = current_org()
    if here is not None and here in choices:
        return here
    return choices[0] if choices else here


def _shown(matrix: Matrix, show: str) -> list[MatrixRow]:
    wanted = SHOWS[show][1]
    return matrix.rows if wanted is None else [r for r in matrix.rows if r.has(wanted)]


@bp.route("/<app_id>/matrix")
@login_required
def matrix(app_id: str) -> ResponseReturnValue:
    app, found, show, choices = _matrix_request(app_id)
    rows = _shown(found, show)
    return render_template(
        "apps/matrix.html",
        app=app,
        matrix=found,
        rows=[_row_cells(row) for row in rows],
        show=show,
        shows=[(key, title) for key, (title, _) in SHOWS.items()],
        orgs=choices if found.org in choices else [found.org, *choices],
        csv_url=url_for("apps.matrix_csv", app_id=app.id, org=found.org.ods, show=show),
        status_titles=STATUS_TITLES,
    )


def _row_cells(row: MatrixRow) -> dict[str, Any]:
    cells = []
    for value, cell in row.cells.items():
        when = None
        if cell.completed is not None:
            when = f"Done {cell.completed.day} {cell.completed:%b %Y}"
            if cell.expires is not None:
                verb = "expired" if cell.status == "out_of_date" else "until"
                when += f", {verb} {cell.expires.day} {cell.expires:%b %Y}"
        tag = {"text": cell.title, "classes": TAG_CLASSES[cell.status]}
        cells.append({"item": value, "status": cell.status, "tag": tag, "when": when})
    return {"name": row.person.name, "role": row.person.role_text, "cells": cells}


@bp.route("/<app_id>/matrix.csv")
@login_required
def matrix_csv(app_id: str) -> ResponseReturnValue:
    app, found, show, _ = _matrix_request(app_id)
    head = ["Person", "Role", *(title for _, title in found.items)]
    body = [
        [row.person.name, row.person.role_text, *(cell_text(c) for c in row.cells.values())]
        for row in _shown(found, show)
    ]
    filename = f"{app.id}-matrix-{found.org.ods}-{found.today.isoformat()}.csv"
    return Response(
        csv_text(head, body),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
