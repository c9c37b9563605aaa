"""The channel dashboard (``/inbox/dashboard``) and its per-panel CSV downloads
(``/inbox/dashboard.csv?panel=<id>``).

Stakeholder users see figures over their organisations' items from every provider;
provider users over the items they sent (their records'). Filters live in the URL, so
every view is a link: ``channel`` (a channel id), ``provider`` (an ODS code), ``from``
and ``to`` (London months sent, ``2026-04``). The page is built like the app dashboards:
every panel a table with a CSV link, and a chart drawn over it by ``js/charts.mjs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.services.channels.analytics import FigureFilters, channel_figures, dashboard_choices
from miniapps.web.apps.dashboard_panels import table_csv
from miniapps.web.inbox.blueprint import bp
from miniapps.web.inbox.dashboard_panels import dashboard_panels, panel_table
from miniapps.web.session_user import current_access

PARAMS = ("channel", "provider", "from", "to")


@dataclass(frozen=True)
class DashboardState:
    """The filters as read from (and written back to) the URL."""

    args: dict[str, str]

    @classmethod
    def from_request(cls) -> DashboardState:
        return cls({name: request.args.get(name, "").strip() for name in PARAMS})

    @property
    def filters(self) -> FigureFilters:
        a = self.args
        return FigureFilters(a["channel"], a["provider"], a["from"], a["to"])

    def query(self, **changes: str) -> dict[str, Any]:
        return {k: v for k, v in {**self.args, **changes}.items() if v}

    def narrow(self, **changes: str) -> str:
        """The dashboard with these filters changed (the others kept)."""
        return url_for("inbox.dashboard", **self.query(**changes))

    def csv_url(self, panel_id: str) -> str:
        return url_for("inbox.dashboard_csv", panel=panel_id, **self.query())


@bp.get("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    access = current_access()
    state = DashboardState.from_request()
    errors: dict[str, str] = {}
    figures: dict[str, Any] | None = None
    try:
        figures = channel_figures(db.session, access, state.filters)
        choices = figures["choices"]
    except DataInvalid as exc:
        for issue in exc.issues:
            errors[issue.pointer.lstrip("/")] = issue.message
        choices = dashboard_choices(db.session, access)
    panels = dashboard_panels(figures, state.narrow) if figures is not None else []
    for panel in panels:
        panel["csv_url"] = state.csv_url(panel["id"])
    page = render_template(
        "inbox/dashboard.html",
        receives=bool(access.stakeholder_org_ids),
        filters=state.args,
        choices=choices,
        errors=errors,
        summary=figures["summary"] if figures is not None else None,
        panels=panels,
        filtered=any(state.args.values()),
    )
    return page, 400 if errors else 200


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv() -> ResponseReturnValue:
    """One panel's table as CSV: ``?panel=<id>`` and the dashboard's own filters."""
    access = current_access()
    state = DashboardState.from_request()
    panel_id = request.args.get("panel", "")
    try:
        figures = channel_figures(db.session, access, state.filters)
    except DataInvalid as exc:
        message = "\n".join(f"{i.pointer.lstrip('/')}: {i.message}" for i in exc.issues)
        return Response(message + "\n", status=400, mimetype="text/plain")
    table = panel_table(figures, panel_id, state.narrow)
    if table is None:
        abort(404, f"The channel dashboard has no panel {panel_id!r}.")
    slug = re.sub(r"[^a-z0-9]+", "-", panel_id.lower()).strip("-")
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="channel-items-{slug}.csv"'},
    )
