"""Indicator pages of any app with indicators, at practice, PCN, Place and ICB level.

``/apps/<app_id>/indicators?org=ODS&period=YYYY-MM`` (defaults: the organisation the
user acts for, last month), its printable monthly summary (``/indicators/summary``),
its tables as CSV (``/indicators.csv?table=<id>``) and a one-click chase of a missing
return. The data comes from :func:`miniapps.services.indicators.overview.indicator_overview`
through the one permission filter; unknown organisations (404), periods that are not a
month (400) and months without a loaded year set are answered with a clear message.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.indicators.planning import financial_year_end
from miniapps.core.indicators.year_sets import financial_year
from miniapps.core.periods.keys import MONTH, period_label
from miniapps.core.periods.schedule import STATUS_TITLES
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.indicators.months import months_with_data
from miniapps.services.indicators.overview import NoIndicators, has_indicators, indicator_overview
from miniapps.services.indicators.results import NoYearSet
from miniapps.services.organisations import by_ods
from miniapps.services.returns import tracking as returns_service
from miniapps.web.apps import indicators_panels as panels
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.dashboard_panels import table_csv
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org


def last_month(today: date | None = None) -> str:
    today = today or date.today()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


def _app(app_id: str) -> App:
    app = load_app(app_id)
    if not has_indicators(db.session, app):
        raise NoIndicators(f"{app.title} has no indicators, so it has no indicator pages.")
    return app


def _org(ods: str) -> Organisation:
    org = by_ods(db.session, ods) if ods else current_org()  # an unknown code: 404 page
    if org is None:
        abort(403, "You are not a member of any organisation.")
    return org


def _links(app_id: str, period: str) -> panels.Links:
    return panels.Links(
        page=lambda ods: url_for("apps.indicators", app_id=app_id, org=ods, period=period),
        records=lambda ods, month: url_for("apps.records", app_id=app_id, org=ods, period=month),
    )


def _request() -> tuple[App, Organisation, str, str | None]:
    """The app, organisation and period asked for, and an error for a bad period."""
    app = _app((request.view_args or {})["app_id"])
    org = _org(request.args.get("org", "").strip())
    period = request.args.get("period", "").strip() or last_month()
    error = None if MONTH.match(period) else "Enter the period as a month, such as 2025-04"
    return app, org, period, error


def _page(template: str, **extra: Any) -> ResponseReturnValue:
    app, org, period, error = _request()
    context: dict[str, Any] = {"app": app, "org": org, "period": period, "error": error}
    context.update(label=period_label, return_titles=STATUS_TITLES)
    context["months"] = _month_choices(app, org, period)
    if error is not None:
        return render_template(template, **context, ov=None), 400
    try:
        ov = indicator_overview(db.session, current_access(), app, org, period)
    except NoYearSet:
        year = financial_year(period)
        context["no_year_set"] = f"No indicator set is loaded for {year}"
        return render_template(template, **context, ov=None), 404
    links = _links(app.id, period)
    found = panels.tables(ov, links)
    context.update(
        ov=ov,
        p=panels,
        links=links,
        year_end=financial_year_end(period),
        panels={key: panels.panel(key, *value) for key, value in found.items()},
        csv_url=lambda table: url_for(
            "apps.indicators_csv", app_id=app.id, org=org.ods, period=period, table=table
        ),
        summary_url=url_for("apps.indicators_summary", app_id=app.id, org=org.ods, period=period),
        breadcrumbs=[{"href": links.page(o.ods), "text": o.name} for o in ov.ancestors],
        **extra,
    )
    return render_template(template, **context), 200


def _month_choices(app: App, org: Organisation, period: str) -> list[dict[str, Any]]:
    """The month picker: every month with data here, newest first, and the one shown."""
    months = months_with_data(db.session, current_access(), app, org)
    if MONTH.match(period) and period not in months:
        months = sorted([*months, period], reverse=True)
    items = [{"value": m, "text": period_label(m), "selected": m == period} for m in months]
    if not MONTH.match(period):  # keep what was typed in the URL, so the error makes sense
        items.insert(0, {"value": "", "text": "Choose a month", "selected": True})
    return items


@bp.route("/<app_id>/indicators")
@login_required
def indicators(app_id: str) -> ResponseReturnValue:
    return _page("apps/indicators.html")


@bp.route("/<app_id>/indicators/summary")
@login_required
def indicators_summary(app_id: str) -> ResponseReturnValue:
    """One printable page for the PCN board (any level works; a PCN is the usual)."""
    return _page("apps/indicators_summary.html")


@bp.route("/<app_id>/indicators.csv")
@login_required
def indicators_csv(app_id: str) -> ResponseReturnValue:
    app, org, period, error = _request()
    if error is not None:
        return Response(error + "\n", status=400, mimetype="text/plain")
    try:
        ov = indicator_overview(db.session, current_access(), app, org, period)
    except NoYearSet:
        message = f"No indicator set is loaded for {financial_year(period)}\n"
        return Response(message, status=404, mimetype="text/plain")
    table_id = request.args.get("table", "")
    found = panels.tables(ov, _links(app.id, period)).get(table_id)
    if found is None:
        abort(404, f"This page has no table {table_id!r}.")
    slug = re.sub(r"[^a-z0-9]+", "-", table_id.lower()).strip("-")
    return Response(
        table_csv(found[1]),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{app.id}-{slug}-{org.ods}-{period}.csv"'
        },
    )


@bp.post("/<app_id>/indicators/chase")
@login_required
def indicators_chase(app_id: str) -> ResponseReturnValue:
    """Chase one practice's missing return from the PCN page, then come back to it."""
    app = _app(app_id)
    org = _org(request.form.get("org", "").strip())
    target = by_ods(db.session, request.form.get("target", ""))
    period = request.form.get("period", "").strip()
    if not MONTH.match(period):
        abort(400, "Choose a month such as 2025-04.")
    back = redirect(url_for("apps.indicators", app_id=app.id, org=org.ods, period=period))
    try:
        sent = returns_service.chase(
            db.session,
            current_access(),
            app,
            target,
            period,
            current_user,
            current_app.config["BASE_URL"],
        )
    except returns_service.NotOwed as exc:
        flash(str(exc), "error")
        return back
    db.session.commit()
    if sent:
        flash(f"Reminder sent to {target.name} about {period_label(period)}.", "success")
    else:
        flash(f"{target.name} has nobody to remind: no active practice users.", "error")
    return back
