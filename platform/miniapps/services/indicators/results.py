"""Indicator results of an app for an organisation and month, and their monthly trend.

Counts are summed in SQL over the submitted records (any status but ``draft``) of the
organisation's subtree that the user may read, reading record data through
:class:`~miniapps.services.dashboards.widgets.WidgetQuery` (SQLite and PostgreSQL alike);
the arithmetic is :mod:`miniapps.core.indicators.arithmetic`. Achievement, points, RAG and patients
needed come from the summed counts of the whole subtree. IIF money is paid to PCNs, so at
Place and ICB level the £ figures are the sums of each PCN's own figures.

The £ per point of an indicator that names none and the national average PCN list size
come from the definition's ``indicator_settings``; the keyword arguments
``value_per_point`` and ``national_average_list_size`` override them (e.g. with a year's
published figures). An indicator's ``list_size`` names the record field holding each
organisation's list size; a subtree's list size is known only when every record counted
gives one, and without it the ``list_size`` adjustment is not applied
(``adjustment_applied`` false).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.indicators.arithmetic import (
    IndicatorResult,
    IndicatorSpec,
    indicator_result,
    json_decimal,
)
from miniapps.core.indicators.planning import project_cumulative, project_year_end, with_money_of
from miniapps.core.indicators.source import IndicatorSource, row_schema, specs_for
from miniapps.core.indicators.year_sets import YearSet, financial_year
from miniapps.core.periods.keys import MONTH
from miniapps.core.pointers import pointer_join
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.sums import counts_of, indicator_sums
from miniapps.services.indicators.year_sets import year_set_for
from miniapps.services.permissions import READ, Access, Forbidden

ABOVE_PCN = ("place", "icb")


class NoYearSet(DataInvalid):
    """The app's indicators are yearly data and no set is loaded for the period's year."""

    code = "no_year_set"


def indicator_specs(definition: AppDefinition) -> list[IndicatorSpec]:
    """The definition's indicators, parsed (raises DefinitionInvalid on bad values)."""
    return [
        IndicatorSpec.from_json(raw, pointer_join("/indicators", i))
        for i, raw in enumerate(definition.indicators)
    ]


def specs_and_options(
    session: Session,
    definition: AppDefinition,
    period: str,
    value_per_point: Decimal | None = None,
    national_average: int | None = None,
) -> tuple[list[IndicatorSpec], dict[str, Any], YearSet | None]:
    """The indicators in force for ``period`` (the definition's own, or those of the year
    set of the period's financial year for an ``indicator_source`` app), the keyword
    arguments of :func:`indicator_result`, and the year set if any.

    Raises :class:`NoYearSet` (pointer ``/period``) when the app needs a year set and none
    is loaded for that year."""
    source = IndicatorSource.of(definition)
    if source is None:
        options = _options(definition, value_per_point, national_average)
        return indicator_specs(definition), options, None
    year_set = year_set_for(session, definition.id, period)
    if year_set is None:
        year = financial_year(period)
        message = f"no indicator set is loaded for {year}: load one with miniapps indicators load"
        raise NoYearSet([Issue("/period", message, "no_year_set")])
    options = {
        "value_per_point": year_set.value_per_point if value_per_point is None else value_per_point,
        "national_average_list_size": national_average or year_set.national_average_list_size,
    }
    specs = specs_for(source, year_set, row_schema(definition.raw, source))
    return specs, options, year_set


def indicator_results(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    period: str,
    *,
    value_per_point: Decimal | None = None,
    national_average_list_size: int | None = None,
) -> dict[str, Any]:
    """``{"org", "period", "indicators": [row, ...]}`` for the API and pages (one row per
    indicator in force; see :meth:`IndicatorResult.as_json`). For an app whose indicators
    are yearly data also ``year`` and ``illustrative`` (and ``illustrative`` per row: a
    figure behind it is not verified).

    Raises :class:`Forbidden` when the user may not read at ``org`` and
    :class:`DataInvalid` (pointer ``/period``) unless ``period`` is a month ``YYYY-MM``.
    """
    results = results_for(
        session,
        access,
        app,
        org,
        period,
        value_per_point=value_per_point,
        national_average_list_size=national_average_list_size,
    )
    answer: dict[str, Any] = {
        "org": org.ods,
        "period": period,
        "indicators": [r.as_json() for r in results],
    }
    year_set = year_set_for(session, app.id, period)
    if year_set is not None:  # say which year's figures these are, and what is unverified
        answer["year"] = year_set.year
        answer["illustrative"] = year_set.is_illustrative()
        for row in answer["indicators"]:
            row["illustrative"] = year_set.is_illustrative(row["code"])
    return answer


def results_for(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    period: str,
    *,
    value_per_point: Decimal | None = None,
    national_average_list_size: int | None = None,
) -> list[IndicatorResult]:
    """The :class:`IndicatorResult` objects behind :func:`indicator_results` (for easy
    wins and missed opportunities, see :mod:`miniapps.core.indicators.planning`)."""
    _check_readable(access, app, org)
    _check_months([("/period", period)])
    definition = app_definition(session, app, period)
    specs, options, _ = specs_and_options(
        session, definition, period, value_per_point, national_average_list_size
    )
    scope = _scope(access, app, org)
    totals = indicator_sums(session, definition, specs, scope, period, period, None).get(None, {})
    results = [indicator_result(spec, counts_of(spec, totals), **options) for spec in specs]
    if org.type not in ABOVE_PCN:
        return results
    pcn = Organisation.__table__.alias("pcn")
    by_pcn = indicator_sums(session, definition, specs, scope, period, period, pcn)
    return [
        with_money_of(
            result,
            [indicator_result(spec, counts_of(spec, sums), **options) for sums in by_pcn.values()],
        )
        for spec, result in zip(specs, results, strict=True)
    ]


def _options(
    definition: AppDefinition, value_per_point: Decimal | None, national_average: int | None
) -> dict[str, Any]:
    """The keyword arguments of :func:`indicator_result`: those given, else the
    definition's ``indicator_settings``."""
    settings = definition.indicator_settings
    if value_per_point is None:
        value_per_point = json_decimal(settings.get("value_per_point"))
    if national_average is None:
        national_average = settings.get("national_average_list_size")
    return {"value_per_point": value_per_point, "national_average_list_size": national_average}


def indicator_trend(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    from_period: str,
    to_period: str,
) -> dict[str, Any]:
    """Monthly achievement of each indicator over ``org``, ``from_period``..``to_period``
    inclusive (every month listed; ``achievement`` None where the denominator is 0), and
    the achievement projected to the end of the financial year of ``to_period``:

    ``{"org", "from", "to", "indicators": [{"code", "title", "direction",
    "lower_threshold", "upper_threshold", "series": [{"period", "numerator",
    "denominator", "achievement"}], "projection"}]}``.
    """
    _check_readable(access, app, org)
    _check_months([("/from", from_period), ("/to", to_period)])
    if from_period > to_period:
        raise DataInvalid([Issue("/to", "To must be the same as or after From")])
    definition = app_definition(session, app, to_period)
    specs, _, year_set = specs_and_options(session, definition, to_period)
    scope = _scope(access, app, org)
    by_period = indicator_sums(
        session, definition, specs, scope, from_period, to_period, Record.period
    )
    months = _months(from_period, to_period)
    rows = []
    for spec in specs:
        series: list[dict[str, Any]] = []
        for month in months:
            counts = counts_of(spec, by_period.get(month, {}))
            achievement = counts.numerator / counts.denominator if counts.denominator > 0 else None
            series.append(
                {
                    "period": month,
                    "numerator": counts.numerator,
                    "denominator": counts.denominator,
                    "achievement": achievement,
                }
            )
        if year_set is not None and spec.code in year_set.accumulating:
            counted = [(r["period"], r["numerator"], r["denominator"]) for r in series]
            projection = project_cumulative(counted)
        else:
            projection = project_year_end([(r["period"], r["achievement"]) for r in series])
        rows.append(
            {
                "code": spec.code,
                "title": spec.title,
                "direction": spec.direction,
                "lower_threshold": float(spec.lower_threshold),
                "upper_threshold": float(spec.upper_threshold),
                "series": series,
                "projection": projection,
                "accumulates": bool(year_set and spec.code in year_set.accumulating),
            }
        )
    return {"org": org.ods, "from": from_period, "to": to_period, "indicators": rows}


def _check_readable(access: Access, app: App, org: Organisation) -> None:
    if not access.can(READ, org, app):
        raise Forbidden(
            f"You may not see the indicators of {app.title} for {org.name} ({org.ods})."
        )


def _check_months(values: list[tuple[str, str]]) -> None:
    issues = [
        Issue(pointer, "must be a month such as 2025-04 (YYYY-MM)")
        for pointer, value in values
        if not isinstance(value, str) or not MONTH.match(value)
    ]
    if issues:
        raise DataInvalid(issues)


def _scope(access: Access, app: App, org: Organisation) -> ColumnElement[bool]:
    return and_(access.org_clause(READ, app), subtree(org.path))


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
