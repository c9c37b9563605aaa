"""Dashboards: the automatic widgets of an app, scoped by the permission filter.

Pages and the API both call :func:`app_dashboard`; it returns the dashboard contract
``{"app", "org", "widgets": [{"id", "type", "title", "data"}]}``, the contract widgets
first, then the analysis widgets (trends, and the organisations one level below ``org``
to compare and drill down to), then the widgets the definition declares in
``dashboard.widgets`` (:mod:`miniapps.services.dashboards.declared`). ``replace_automatic``
hides the automatic widgets on the page only: the JSON keeps them, so the contract's
``records`` widget is always there.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.periods.keys import period_of
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.dashboards.automatic import Breakdown, automatic_widgets
from miniapps.services.dashboards.declared import Context
from miniapps.services.dashboards.filters import FieldFilter, parse_filters
from miniapps.services.dashboards.record_tables import widgets_for
from miniapps.services.dashboards.widgets import WidgetQuery
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.results import indicator_results
from miniapps.services.organisations import children
from miniapps.services.permissions import DASHBOARD, Access, Forbidden

PERIOD_FILTER = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4])|-W(0[1-9]|[1-4]\d|5[0-3]))?$")
PERIOD_HINT = "must be a month (2025-04), a quarter (2025-Q1) or a year (2025)"


def app_dashboard(
    session: Session,
    access: Access,
    app: App,
    org: Organisation | None,
    period_from: str | None = None,
    period_to: str | None = None,
    filters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The app's dashboard over ``org`` and everything beneath it (all the user may see
    the figures of, :data:`DASHBOARD`, when ``org`` is None), for periods
    ``period_from``..``period_to`` inclusive, counting only records whose answers match
    ``filters`` (``{"/role": "gp"}``).

    Raises :class:`Forbidden` when the user may not see the figures at ``org`` and
    :class:`DataInvalid` for a malformed period (pointers ``/from``, ``/to``) or a filter
    on an unknown field or value (pointer ``/f``, the message names the field).
    """
    if org is not None and not access.can(DASHBOARD, org, app):
        raise Forbidden(f"You may not see the dashboard of {app.title} for {org.name} ({org.ods}).")
    scope = access.org_clause(DASHBOARD, app)
    definition = app_definition(session, app)
    low, high = period_bounds(definition, period_from, period_to)
    field_filters = parse_filters(definition.schema, filters or {})
    if org is not None:
        scope = and_(scope, subtree(org.path))
    breakdown = Breakdown(org, compared_orgs(session, access, app, org))
    widgets = automatic_widgets(
        session,
        definition,
        scope,
        low,
        high,
        filters=field_filters,
        breakdown=breakdown,
        within_one_subtree=org is not None,
    )
    specs = definition.dashboard.get("widgets") or []
    if specs:
        query = _query(session, definition, scope, low, high, field_filters, org is not None)
        indicator = _indicator_source(session, access, app, breakdown, query)
        ctx = Context(query, definition.schema, definition.is_periodic, breakdown, indicator)
        ctx.workflow = definition.workflow
        widgets.extend(widgets_for(access, app, ctx, specs))
    return {"app": app.id, "org": org.ods if org is not None else None, "widgets": widgets}


def _query(
    session: Session,
    definition: AppDefinition,
    scope: Any,
    low: str | None,
    high: str | None,
    filters: list[FieldFilter],
    within_one_subtree: bool,
) -> WidgetQuery:
    query = WidgetQuery(session, definition.id, scope, low, high)
    if within_one_subtree:
        query.pin_subtree()
    else:
        query.pin_organisations()
    query.conditions.extend(f.condition(query) for f in filters)
    return query


def _indicator_source(
    session: Session, access: Access, app: App, breakdown: Breakdown, query: WidgetQuery
) -> Any:
    """``code -> row`` for indicator widgets: the indicator's results for the chosen
    organisation (or the only one the user may see) in the latest period with submitted
    records in range; a sentence saying why when there are none."""
    org = breakdown.parent
    if org is None and len(breakdown.children) == 1:
        org = breakdown.children[0]
    cache: dict[str, Any] = {}

    def row(code: str) -> dict[str, Any] | str:
        if org is None:
            return "Choose an organisation to see its indicator results."
        if "rows" not in cache:
            cache["rows"] = _indicator_rows(session, access, app, org, query)
        rows = cache["rows"]
        if isinstance(rows, str):
            return rows
        return rows.get(code) or f"There is no indicator {code}."

    return row


def _indicator_rows(
    session: Session, access: Access, app: App, org: Organisation, query: WidgetQuery
) -> dict[str, Any] | str:
    period = session.execute(
        select(func.max(Record.period)).select_from(query.records()).where(*query.conditions)
    ).scalar()
    if period is None:
        return "There are no submitted records with a period here."
    try:
        result = indicator_results(session, access, app, org, period)
    except DataInvalid:
        return f"Indicator results need monthly returns; {period} is not a month."
    except Forbidden:  # the figures only (permissions.dashboard): results are per practice
        return f"Indicator results are shown to those who may read the records of {org.name}."
    return {
        r["code"]: {**r, "org": org.ods, "org_name": org.name, "period": period}
        for r in result["indicators"]
    }


def compared_orgs(
    session: Session, access: Access, app: App, org: Organisation | None
) -> list[Organisation]:
    """The organisations one level below ``org`` (its children), or, for everything the
    user may see the figures of, the highest such organisations. Stakeholders are left out:
    they hold no app records."""
    if org is not None:
        return [o for o in children(session, org) if o.type != "stakeholder"]
    counted = [o for o in access.orgs(session, DASHBOARD, app) if o.type != "stakeholder"]
    ids = {o.id for o in counted}
    return sorted((o for o in counted if o.parent_id not in ids), key=lambda o: o.name)


def period_bounds(
    definition: AppDefinition, period_from: str | None, period_to: str | None
) -> tuple[str | None, str | None]:
    """Check the period filter and restate it in the app's own period format.

    A filter may be a month, quarter, year or ISO week whatever the app's frequency:
    ``from=2025`` on a monthly app starts at ``2025-01``, ``to=2025-Q2`` ends at ``2025-06``.
    Stored periods of one app share one format, so the bounds then compare as strings.
    """
    frequency = definition.period.get("frequency", "none")
    issues: list[Issue] = []
    days: dict[str, tuple[date, date] | None] = {}
    for name, value in (("from", period_from), ("to", period_to)):
        value = (value or "").strip()
        days[name] = _days_of(value) if value else None
        if value and days[name] is None:
            issues.append(Issue(f"/{name}", f"{name.capitalize()} {PERIOD_HINT}"))
    start, end = days["from"], days["to"]
    if start and end and start[0] > end[1]:
        issues.append(Issue("/to", "To must be the same as or after From"))
    if issues:
        raise DataInvalid(issues)
    return (
        _restate(start[0], frequency, (period_from or "").strip()) if start else None,
        _restate(end[1], frequency, (period_to or "").strip()) if end else None,
    )


def _frequency_of(value: str) -> str:
    match = PERIOD_FILTER.match(value)
    assert match is not None
    for group, frequency in ((2, "monthly"), (3, "quarterly"), (4, "weekly")):
        if match.group(group):
            return frequency
    return "yearly"


def _days_of(value: str) -> tuple[date, date] | None:
    """First and last day of a period written as 2025, 2025-04, 2025-Q2 or 2025-W07."""
    match = PERIOD_FILTER.match(value)
    if match is None:
        return None
    year = int(match.group(1))
    month, quarter, week = match.group(2), match.group(3), match.group(4)
    if year < 1:  # 0000: dates start at year 1
        return None
    if month:
        first_month = last_month = int(month)
    elif quarter:
        first_month, last_month = 3 * int(quarter) - 2, 3 * int(quarter)
    elif week:
        try:
            monday = date.fromisocalendar(year, int(week), 1)
            return monday, monday + timedelta(days=6)
        except (ValueError, OverflowError):  # no week 53 that year; past 9999-12-31
            return None
    else:
        first_month, last_month = 1, 12
    return date(year, first_month, 1), date(year, last_month, monthrange(year, last_month)[1])


def _restate(day: date, frequency: str, written: str) -> str:
    """The period of ``day`` in the app's format; a bound already in that format (or for an
    app without periods) is kept as written, so financial-year quarters pass unchanged."""
    if _frequency_of(written) == frequency:
        return written
    return period_of(day, frequency) or written


def org_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Organisation names by ODS code, for labelling ``by_org``."""
    if not codes:
        return {}
    rows = session.execute(
        select(Organisation.ods, Organisation.name).where(Organisation.ods.in_(codes))
    )
    return {ods: name for ods, name in rows}
