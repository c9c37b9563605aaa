"""The returns page of a periodic app: completeness grid, chase, lock and unlock.

``/apps/<app_id>/returns?org=ODS&from=&to=``: rows are the organisations that owe returns
beneath ``org`` (default: the organisation the user acts for), columns the periods
``from`` to ``to`` (default: the last six). A row is an organisation that owed a return
in at least one of those periods; a period it owed nothing shows "Not owed" and counts
for nothing in that period's percentage.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.periods.keys import period_label
from miniapps.core.periods.schedule import (
    STATUS_TITLES,
    PeriodRules,
    period_bounds,
    period_containing,
    periods_between,
)
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.organisations import by_ods
from miniapps.services.returns import tracking as returns_service
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

PERIOD_SHAPES = {
    "weekly": "2025-W07",
    "monthly": "2025-04",
    "quarterly": "2025-Q1",
    "yearly": "2025",
}
TAG_CLASSES = {
    "approved": "nhsuk-tag--green",
    "submitted": "nhsuk-tag--blue",
    "draft": "nhsuk-tag--yellow",
    "overdue": "nhsuk-tag--red",
    "not_started": "nhsuk-tag--grey",
    "locked": "nhsuk-tag--purple",
    "not_owed": "nhsuk-tag--white",
}


def _periodic_app(app_id: str) -> tuple[App, PeriodRules]:
    app = load_app(app_id)
    rules = returns_service.rules_of(db.session, app)
    if not rules.is_periodic:
        abort(404, f"{app.title} has no periods, so it has no returns.")
    return app, rules


def _org(ods: str | None) -> Organisation:
    org = by_ods(db.session, ods) if ods else current_org()
    if org is None:
        abort(403, "You are not a member of any organisation.")
    return org


def _periods(rules: PeriodRules) -> tuple[list[str] | None, dict[str, str]]:
    """Periods asked for in ``from`` and ``to`` (None: the default), and any errors."""
    wanted = {k: request.args.get(k, "").strip() for k in ("from", "to")}
    errors = {}
    for key, value in wanted.items():
        if value and not _valid(value, rules):
            errors[key] = f"Enter a period such as {PERIOD_SHAPES[rules.frequency]}"
    if errors or not (wanted["from"] or wanted["to"]):
        return None, errors
    first, last = wanted["from"] or wanted["to"], wanted["to"] or wanted["from"]
    found = periods_between(first, last, rules, limit=24)
    if not found:
        return None, {"from": "The first period must not be after the last"}
    return found, errors


def _valid(period: str, rules: PeriodRules) -> bool:
    try:
        start, _ = period_bounds(period, rules.financial_year)
    except (ValueError, IndexError):
        return False
    return period_containing(start, rules.frequency, rules.financial_year) == period


@bp.route("/<app_id>/returns")
@login_required
def returns(app_id: str) -> ResponseReturnValue:
    app, rules = _periodic_app(app_id)
    access = current_access()
    org = access.scope_org(_org(request.args.get("org", "").strip()), app)
    periods, errors = _periods(rules)
    grid = returns_service.completeness(db.session, access, app, org, periods)
    may_lock = org.type in returns_service.LOCKABLE_TYPES and bool(
        access.roles_at(org) & returns_service.LOCKING_ROLES
    )
    return render_template(
        "apps/returns.html",
        app=app,
        org=org,
        grid=grid,
        errors=errors,
        filters={k: request.args.get(k, "") for k in ("from", "to")},
        titles=STATUS_TITLES,
        tag_classes=TAG_CLASSES,
        label=period_label,
        may_lock=may_lock,
        may_chase={
            row.org.id: returns_service.may_chase(access, app, row.org) for row in grid.rows
        },
    )


def _posted_period(rules: PeriodRules) -> str:
    period = request.form.get("period", "").strip()
    if not _valid(period, rules):
        abort(400, f"Choose a period such as {PERIOD_SHAPES[rules.frequency]}.")
    return period


def _back(app: App, org: Organisation) -> ResponseReturnValue:
    args: dict[str, Any] = {
        k: request.form.get(k, "") for k in ("from", "to") if request.form.get(k)
    }
    return redirect(url_for("apps.returns", app_id=app.id, org=org.ods, **args))


@bp.post("/<app_id>/returns/chase")
@login_required
def chase(app_id: str) -> ResponseReturnValue:
    app, rules = _periodic_app(app_id)
    target = by_ods(db.session, request.form.get("target", ""))
    period = _posted_period(rules)
    grid_org = _org(request.form.get("org", "").strip())
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
        return _back(app, grid_org)
    db.session.commit()
    if sent:
        flash(f"Reminder sent to {target.name} about {period_label(period)}.", "success")
    else:
        flash(f"{target.name} has nobody to remind: no active practice users.", "error")
    return _back(app, grid_org)


@bp.post("/<app_id>/returns/lock")
@login_required
def lock(app_id: str) -> ResponseReturnValue:
    app, rules = _periodic_app(app_id)
    org = _org(request.form.get("org", "").strip())
    period = _posted_period(rules)
    access = current_access()
    if request.form.get("unlock"):
        returns_service.unlock_period(db.session, access, app, org, period, current_user)
        message = f"{period_label(period)} is unlocked for {org.name}."
    else:
        returns_service.lock_period(db.session, access, app, org, period, current_user)
        message = f"{period_label(period)} is locked for {org.name}. Nothing in it can change."
    db.session.commit()
    flash(message, "success")
    return _back(app, org)
