"""An app's anonymised view page, ``/apps/<app>/views/<view_id>`` (the definition's
``views``): counts by theme and by month (tables, with charts drawn by js/charts.mjs
when JavaScript runs), then the rows, one page at a time.

What a user may open and see is the service's (:mod:`miniapps.services.records.views`);
an unknown view, or one the user holds none of the roles of, is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.records.issue_context import lower_first
from miniapps.core.records.view_rows import MonthCount, ThemeCounts, View
from miniapps.db import db
from miniapps.models import App
from miniapps.services.records.views import openable_views, view_page
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access

LONG_TABLE = 12  # rows beyond which a table folds under its chart


@bp.route("/<app_id>/views/<view_id>")
@login_required
def app_view(app_id: str, view_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    size = int(current_app.config["PAGE_SIZE"])
    found = view_page(db.session, current_access(), app, view_id, page_number, size)
    panels = [_theme_panel(t) for t in found.themes]
    if found.months:
        panels.append(_month_panel(found.months))
    return render_template(
        "apps/view.html",
        app=app,
        view=found.view,
        found=found,
        panels=panels,
        chart_data={"panels": panels},
    )


@bp.app_template_global("app_views")
def app_views(app: App) -> list[View]:
    """The app's views the signed-in user may open, for the app's menu."""
    return openable_views(db.session, current_access(), app)


def _panel(
    panel_id: str, heading: str, head: str, labels: list[str], values: list[int], horizontal: bool
) -> dict[str, Any]:
    rows = [
        [{"text": label}, {"text": str(value), "format": "numeric"}]
        for label, value in zip(labels, values, strict=True)
    ]
    chart = {
        "kind": "bar",
        "labels": labels,
        "datasets": [{"label": "Records", "values": values}],
        "horizontal": horizontal,
    }
    return {
        "id": panel_id,
        "heading": heading,
        "head": [{"text": head}, {"text": "Records", "format": "numeric"}],
        "rows": rows,
        "chart": chart if any(values) else None,
        "long": len(rows) > LONG_TABLE,
    }


def _theme_panel(theme: ThemeCounts) -> dict[str, Any]:
    labels = [c.title for c in theme.counts]
    values = [c.count for c in theme.counts]
    if theme.not_answered:
        labels.append("Not answered")
        values.append(theme.not_answered)
    panel_id = "theme" + theme.pointer.replace("/", "-")
    return _panel(panel_id, f"By {lower_first(theme.title)}", theme.title, labels, values, True)


def _month_panel(months: list[MonthCount]) -> dict[str, Any]:
    labels = [m.title for m in months]
    return _panel("by-month", "By month", "Month", labels, [m.count for m in months], False)
