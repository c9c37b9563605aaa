"""Compliance across practices and for their leaders, on an app with ``compliance``.

``/apps/<app_id>/compliance/practices?org=ODS`` (PCN, Place or ICB; default the
organisation the user acts for): the heatmap of the practices beneath that the user may
read by key question, grouped by PCN, and each PCN's benchmarking; ``.csv?table=`` gives
``heatmap`` or a PCN's ``benchmark-<ods>`` table. A practice is sent to its own
compliance view. ``/apps/<app_id>/compliance/well-led?org=ODS`` (a practice): the
Well-led view. The data comes from :mod:`miniapps.services.compliance.overview` and
:mod:`~miniapps.services.compliance.well_led`, through the one permission filter.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.compliance.overview import Heatmap, heatmap
from miniapps.services.compliance.well_led import well_led as well_led_picture
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import ancestors, by_ods, children
from miniapps.services.permissions import READ
from miniapps.web.apps.app_tabs import TABS
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.compliance_tables import (
    STATUS_TEXT,
    benchmark_csv_table,
    benchmark_panels,
    day_text,
    heatmap_table,
)
from miniapps.web.apps.dashboard_panels import table_csv
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

ABOVE_PRACTICES = ("pcn", "place", "icb")


def _compliance_app(app_id: str) -> tuple[App, str]:
    """The app and the framework it is the home of; 404 for an app without ``compliance``."""
    app = load_app(app_id)
    compliance = app_definition(db.session, app).compliance
    if not compliance:
        abort(404, f"{app.title} has no compliance view.")
    return app, str(compliance["framework"])


def _chosen_org() -> Organisation:
    ods = request.args.get("org", "").strip()
    org = by_ods(db.session, ods) if ods else current_org()  # an unknown code: 404 page
    if org is None:
        abort(404, "You are not a member of any organisation.")
    return org


def _practices_page(app: App, framework_id: str) -> Heatmap | ResponseReturnValue:
    """The heatmap of the chosen organisation, or the answer instead of it: a practice
    goes to its compliance view; nothing readable there is a 404."""
    org = _chosen_org()
    if org.type == "practice":
        return redirect(url_for("apps.compliance", app_id=app.id, org=org.ods))
    access = current_access()
    if org.type not in ABOVE_PRACTICES:
        abort(404, f"{org.name} has no practices to compare.")
    found = heatmap(db.session, access, app, org, framework_id)
    if not found.groups and not access.can(READ, org, app):
        abort(404, f"You cannot see the compliance of any practice in {org.name}.")
    return found


@bp.route("/<app_id>/compliance/practices")
@login_required
def compliance_heatmap(app_id: str) -> ResponseReturnValue:
    app, framework_id = _compliance_app(app_id)
    found = _practices_page(app, framework_id)
    if not isinstance(found, Heatmap):
        return found
    access = current_access()
    org = found.org

    def practice_link(ods: str) -> str:
        return url_for("apps.compliance", app_id=app.id, org=ods)

    panels = benchmark_panels(found, practice_link)
    above = [o for o in ancestors(db.session, org) if access.can(READ, o, app)]
    return render_template(
        "apps/compliance_heatmap.html",
        app=app,
        org=org,
        heatmap=found,
        status_text=STATUS_TEXT,
        panels=panels,
        practice_link=practice_link,
        choices=_choices(app, org, above),
        breadcrumbs=[
            {"href": url_for("apps.compliance_heatmap", app_id=app.id, org=o.ods), "text": o.name}
            for o in above
            if o.type in ABOVE_PRACTICES
        ],
        csv_url=lambda table: url_for(
            "apps.compliance_heatmap_csv", app_id=app.id, org=org.ods, table=table
        ),
    )


def _choices(app: App, org: Organisation, above: list[Organisation]) -> list[Organisation]:
    """The organisations to switch to: those above ``org`` and the PCNs and Places one
    level down that the user may read, the user's own, and ``org``; in tree order."""
    access = current_access()
    own = [m.organisation for m in access.memberships]
    below = [o for o in children(db.session, org) if access.can(READ, o, app)]
    found = {o.id: o for o in [*above, org, *below, *own] if o.type in ABOVE_PRACTICES}
    return sorted(found.values(), key=lambda o: o.path)


@bp.route("/<app_id>/compliance/practices.csv")
@login_required
def compliance_heatmap_csv(app_id: str) -> ResponseReturnValue:
    """``?table=heatmap`` (the default) or ``benchmark-<pcn ods>``, with the page's ``org``."""
    app, framework_id = _compliance_app(app_id)
    found = _practices_page(app, framework_id)
    if not isinstance(found, Heatmap):
        return found
    table_id = request.args.get("table", "heatmap").strip() or "heatmap"
    table = heatmap_table(found) if table_id == "heatmap" else benchmark_csv_table(found, table_id)
    if table is None:
        abort(404, f"This page has no table {table_id!r}.")
    filename = f"{app.id}-{table_id}-{found.org.ods}.csv"
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<app_id>/compliance/well-led")
@login_required
def well_led(app_id: str) -> ResponseReturnValue:
    """A practice's Well-led view; above a practice, the practices to choose from."""
    app, framework_id = _compliance_app(app_id)
    org = _chosen_org()
    if org.type in ABOVE_PRACTICES:
        return redirect(url_for("apps.compliance_heatmap", app_id=app.id, org=org.ods))
    access = current_access()
    if org.type != "practice" or not access.can(READ, org, app):
        abort(404, f"There is no Well-led view of {org.name} that you can see.")
    picture = well_led_picture(db.session, access, org, framework_id)
    return render_template(
        "apps/well_led.html",
        app=app,
        org=org,
        picture=picture,
        status_text=STATUS_TEXT,
        day_text=day_text,
        detail_links=[
            {
                "text": f"{other.title}: {tab.title}",
                "href": url_for(tab.endpoint, app_id=other.id, org=org.ods),
            }
            for other, members in picture.governance_apps
            for tab in TABS
            if tab.member in members and tab.endpoint in current_app.view_functions
        ],
        heatmap_url=(
            url_for("apps.compliance_heatmap", app_id=app.id, org=org.parent.ods)
            if org.parent is not None and access.can(READ, org.parent, app)
            else None
        ),
    )
