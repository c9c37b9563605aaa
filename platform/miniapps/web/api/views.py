"""``GET /api/v1/apps/{id}/views/{view_id}``: an anonymised view as JSON, one page of rows
with the counts over all its records (the same content as the view page).

Who may open it and what it holds is :mod:`miniapps.services.records.views`; an unknown
view, or one the caller holds none of the roles of, is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.core.records.view_rows import ViewColumn
from miniapps.db import db
from miniapps.services.records.views import ViewPage, view_page
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.lookups import app_or_404
from miniapps.web.api.parsing import allow_params, page_param, page_size


@bp.get("/apps/<app_id>/views/<view_id>")
def app_view_json(app_id: str, view_id: str) -> ResponseReturnValue:
    allow_params(["page"])
    app = app_or_404(app_id)
    found = view_page(db.session, api_access(), app, view_id, page_param(), page_size())
    return jsonify(view_answer(app.id, found))


def view_answer(app_id: str, found: ViewPage) -> dict[str, Any]:
    view = found.view
    return {
        "app": app_id,
        "view": view.id,
        "title": view.title,
        "description": view.description,
        "columns": [_column(c) for c in view.columns],
        "shared_text": _column(view.shared_text) if view.shared_text else None,
        "rows": [{"values": row.values, "shared_text": row.shared_text} for row in found.rows],
        "themes": [
            {
                "pointer": theme.pointer,
                "title": theme.title,
                "counts": [
                    {"value": c.value, "title": c.title, "count": c.count} for c in theme.counts
                ],
                "not_answered": theme.not_answered,
            }
            for theme in found.themes
        ],
        "months": [{"month": m.month, "title": m.title, "count": m.count} for m in found.months],
        "total": found.total,
        "page": found.page,
        "page_size": found.page_size,
    }


def _column(column: ViewColumn) -> dict[str, Any]:
    return {"pointer": column.pointer, "title": column.title, "month": column.month}
