"""The dashboard page and its per-widget CSV downloads.

All filter state lives in the URL, so every view is a shareable link: ``org`` (an ODS
code; empty for everything the user may see the figures of, absent for the organisation
they act for), ``from`` and ``to`` (periods), and field filters ``f[<pointer>]=<value>``
(``f[/role]=gp``). Drill-down links, breadcrumbs and CSV links carry the same state.
Each panel is a table (always in the HTML: the no-JS view) with a CSV link, and a chart
slot that ``static/js/charts.mjs`` draws into.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.dashboards import building as dashboard_service
from miniapps.services.dashboards.filters import choices_of, filterable_fields
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import ancestors, by_ods
from miniapps.services.permissions import DASHBOARD
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.dashboard_panels import build_panel, table_csv, widget_table
from miniapps.web.apps.records import load_app
from miniapps.web.replica_reads import read_only_work
from miniapps.web.session_user import current_access, current_org

FIELD_FILTER = re.compile(r"^f\[(/.+)\]$")


@dataclass
class DashboardState:
    """The dashboard's filters as read from (and written back to) the URL."""

    app_id: str
    org: Organisation | None
    period_from: str = ""
    period_to: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # pointer -> value

    def args(self, **changes: str) -> dict[str, Any]:
        """Query arguments for a URL with this state (``org`` always present, maybe empty)."""
        args = {"org": self.org.ods if self.org else ""}
        args.update({k: v for k, v in (("from", self.period_from), ("to", self.period_to)) if v})
        args.update({f"f[{pointer}]": value for pointer, value in self.fields.items()})
        args.update(changes)
        return args

    def url(self, **changes: str) -> str:
        return url_for("apps.dashboard", app_id=self.app_id, **self.args(**changes))

    def drill_down(self, ods: str) -> str:
        """The same dashboard, same periods and filters, for another organisation."""
        return self.url(org=ods)

    def csv_url(self, widget_id: str) -> str:
        return url_for("apps.dashboard_csv", app_id=self.app_id, widget=widget_id, **self.args())


def _state(app: App) -> DashboardState:
    if "org" in request.args:  # an empty choice means everything the user may read
        ods = request.args.get("org", "").strip()
        org = by_ods(db.session, ods) if ods else None
    else:
        acting_for = current_org()
        org = current_access().scope_org(acting_for, app) if acting_for else None
    fields = {}
    for key, value in request.args.items():
        match = FIELD_FILTER.match(key)
        if match and value.strip():
            fields[match.group(1)] = value.strip()
    return DashboardState(
        app.id,
        org,
        request.args.get("from", "").strip(),
        request.args.get("to", "").strip(),
        fields,
    )


def _dashboard(app: App, state: DashboardState) -> dict[str, Any]:
    """The dashboard's figures: read on the read replica when there is one."""
    access = current_access()
    with read_only_work() as session:
        return dashboard_service.app_dashboard(
            session,
            access,
            app,
            state.org,
            state.period_from or None,
            state.period_to or None,
            state.fields,
        )


@bp.route("/<app_id>/dashboard")
@login_required
def dashboard(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    access = current_access()
    state = _state(app)
    errors: dict[str, str] = {}
    try:
        result = _dashboard(app, state)
    except DataInvalid as exc:
        for issue in exc.issues:  # one message per parameter; a filter may have several
            name = issue.pointer.lstrip("/")
            errors[name] = f"{errors[name]}. {issue.message}" if name in errors else issue.message
        result = {"app": app.id, "org": state.org.ods if state.org else None, "widgets": []}
    definition = app_definition(db.session, app)
    names = dashboard_service.org_names(db.session, _org_codes(result))
    panels = [build_panel(definition, w, names, state.drill_down) for w in result["widgets"]]
    if definition.dashboard.get("replace_automatic"):  # the page only: the JSON keeps them
        panels = [panel for panel in panels if panel.get("declared")]
    for panel in panels:
        panel["csv_url"] = state.csv_url(panel["id"])
    page = render_template(
        "apps/dashboard.html",
        app=app,
        definition=definition,
        org=state.org,
        filters={
            "org": state.org.ods if state.org else "",
            "from": state.period_from,
            "to": state.period_to,
        },
        field_filters=[
            {"field": f, "choices": choices_of(f), "value": state.fields.get(f.pointer, "")}
            for f in filterable_fields(definition.schema)
        ],
        errors=errors,
        dashboard=result,
        panels=panels,
        total=_total(result),
        json_url=_json_url(app_id, state),
        breadcrumbs=_breadcrumbs(app, state),
        orgs=[o for o in access.orgs(db.session, DASHBOARD, app) if o.type != "stakeholder"],
    )
    return page, 400 if errors else 200


@bp.route("/<app_id>/dashboard.csv")
@login_required
def dashboard_csv(app_id: str) -> ResponseReturnValue:
    """One widget's table as CSV: ``?widget=<id>`` and the dashboard's own filters."""
    app = load_app(app_id)
    state = _state(app)
    widget_id = request.args.get("widget", "")
    try:
        result = _dashboard(app, state)
    except DataInvalid as exc:
        message = "\n".join(issue.message for issue in exc.issues)
        return Response(message + "\n", status=400, mimetype="text/plain")
    widget = next((w for w in result["widgets"] if w["id"] == widget_id), None)
    if widget is None:
        abort(404, f"This dashboard has no widget {widget_id!r}.")
    definition = app_definition(db.session, app)
    names = dashboard_service.org_names(db.session, _org_codes(result))
    body = table_csv(widget_table(definition, widget, names, state.drill_down))
    slug = re.sub(r"[^a-z0-9]+", "-", widget_id.lower()).strip("-") or "widget"
    filename = f"{app.id}-{slug}-{state.org.ods if state.org else 'all'}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _breadcrumbs(app: App, state: DashboardState) -> list[dict[str, str]]:
    """ICB > Place > PCN above the chosen organisation, only where the user may see the
    figures (:data:`DASHBOARD`)."""
    if state.org is None:
        return []
    access = current_access()
    above = [o for o in ancestors(db.session, state.org) if access.can(DASHBOARD, o, app)]
    return [{"href": state.drill_down(o.ods), "text": o.name} for o in above]


def _org_codes(result: dict[str, Any]) -> list[str]:
    records = next((w for w in result["widgets"] if w["id"] == "records"), None)
    return list(records["data"]["by_org"]) if records else []


def _total(result: dict[str, Any]) -> int | None:
    records = next((w for w in result["widgets"] if w["id"] == "records"), None)
    return records["data"]["total"] if records else None


def _json_url(app_id: str, state: DashboardState) -> str:
    """The same dashboard from the API (the contract path: organisation and periods)."""
    args = {k: v for k, v in state.args().items() if v and not k.startswith("f[")}
    return f"/api/v1/apps/{quote(app_id)}/dashboard" + (f"?{urlencode(args)}" if args else "")
