"""Indicator results of an app for an organisation and month, and their monthly trend.

Counts are summed in SQL over the submitted records (any status but ``draft``) of the
organisation's subtree that the user may read, reading record data through
:class:`~miniapps.core.dashboard_widgets.WidgetQuery` (SQLite and PostgreSQL alike);
the arithmetic is :mod:`miniapps.core.indicators`. Achievement, points, RAG and patients
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

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from miniapps.core.dashboard_widgets import WidgetQuery
from miniapps.core.definitions import AppDefinition
from miniapps.core.errors import DataInvalid, Issue, pointer_join, pointer_parts
from miniapps.core.indicator_planning import project_year_end, with_money_of
from miniapps.core.indicators import (
    Counts,
    IndicatorResult,
    IndicatorSpec,
    indicator_result,
    json_decimal,
)
from miniapps.core.schema_fields import Field
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.permissions import READ, Access, Forbidden
from miniapps.services.records import definition_for

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ABOVE_PCN = ("place", "icb")

# {group key: {pointer: (sum, values counted, records counted)}}
Sums = dict[Any, dict[str, tuple[Any, int, int]]]


def indicator_specs(definition: AppDefinition) -> list[IndicatorSpec]:
    """The definition's indicators, parsed (raises DefinitionInvalid on bad values)."""
    return [
        IndicatorSpec.from_json(raw, pointer_join("/indicators", i))
        for i, raw in enumerate(definition.indicators)
    ]


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
    indicator of the app's latest definition; see :meth:`IndicatorResult.as_json`).

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
    return {"org": org.ods, "period": period, "indicators": [r.as_json() for r in results]}


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
    wins and missed opportunities, see :mod:`miniapps.core.indicator_planning`)."""
    _check_readable(access, app, org)
    _check_months([("/period", period)])
    definition = definition_for(session, app)
    specs = indicator_specs(definition)
    scope = _scope(access, app, org)
    options = _options(definition, value_per_point, national_average_list_size)
    totals = _sums(session, definition, specs, scope, period, period, None).get(None, {})
    results = [indicator_result(spec, _counts(spec, totals), **options) for spec in specs]
    if org.type not in ABOVE_PCN:
        return results
    pcn = Organisation.__table__.alias("pcn")
    by_pcn = _sums(session, definition, specs, scope, period, period, pcn)
    return [
        with_money_of(
            result,
            [indicator_result(spec, _counts(spec, sums), **options) for sums in by_pcn.values()],
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
    definition = definition_for(session, app)
    specs = indicator_specs(definition)
    scope = _scope(access, app, org)
    by_period = _sums(session, definition, specs, scope, from_period, to_period, Record.period)
    months = _months(from_period, to_period)
    rows = []
    for spec in specs:
        series = []
        for month in months:
            counts = _counts(spec, by_period.get(month, {}))
            achievement = counts.numerator / counts.denominator if counts.denominator > 0 else None
            series.append(
                {
                    "period": month,
                    "numerator": counts.numerator,
                    "denominator": counts.denominator,
                    "achievement": achievement,
                }
            )
        monthly = [(row["period"], row["achievement"]) for row in series]
        rows.append(
            {
                "code": spec.code,
                "title": spec.title,
                "direction": spec.direction,
                "lower_threshold": float(spec.lower_threshold),
                "upper_threshold": float(spec.upper_threshold),
                "series": series,
                "projection": project_year_end(monthly),
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


def _pointers(specs: list[IndicatorSpec]) -> list[str]:
    seen: dict[str, None] = {}
    for spec in specs:
        for pointer in (spec.numerator, spec.denominator, spec.exclusions, spec.list_size):
            if pointer:
                seen.setdefault(pointer, None)
    return list(seen)


def _field(definition: AppDefinition, pointer: str) -> Field:
    for candidate in definition.fields:
        if candidate.pointer == pointer:
            return candidate
    key = pointer_parts(pointer)[-1]
    return Field(pointer, key, {}, "number", False, "")  # no longer in the schema: reads NULL


def _sums(
    session: Session,
    definition: AppDefinition,
    specs: list[IndicatorSpec],
    scope: ColumnElement[bool],
    low: str,
    high: str,
    group: Any,
) -> Sums:
    """Sum every pointer the specs name, per ``group``: None (one total), a column such as
    ``Record.period``, or an alias of organisations (the PCN each record's organisation
    lies in; records outside any PCN are then left out).

    Pointers at top-level fields share one query; a pointer into a repeating section
    joins the array's items and gets its own.
    """
    query = WidgetQuery(session, definition.id, scope, low, high)
    plain, itemised = [], []
    for pointer in _pointers(specs):
        source, value = query.values(_field(definition, pointer))
        (itemised if "-" in pointer_parts(pointer) else plain).append((pointer, source, value))
    batches = [plain] if plain else []
    batches += [[entry] for entry in itemised]
    sums: Sums = defaultdict(dict)
    for batch in batches:
        source = batch[0][1]
        key: Any = None
        conditions = list(query.conditions)
        if group is not None and hasattr(group, "c"):  # an organisations alias: by PCN
            source = source.join(group, Organisation.path.startswith(group.c.path))
            conditions.append(group.c.type == "pcn")
            key = group.c.ods
        elif group is not None:
            key = group
        columns = [func.count(Record.id)]
        for _, _, value in batch:
            columns += [func.sum(value.number), func.count(value.number)]
        statement = select(*columns).select_from(source).where(*conditions)
        if key is not None:
            statement = select(key, *columns).select_from(source).where(*conditions).group_by(key)
        for row in session.execute(statement):
            name, values = (row[0], row[1:]) if key is not None else (None, tuple(row))
            records = int(values[0])
            for i, (pointer, _, _) in enumerate(batch):
                sums[name][pointer] = (values[1 + 2 * i], int(values[2 + 2 * i]), records)
    return dict(sums)


def _whole(value: Any) -> int:
    """A summed count as an integer (a stray fraction is rounded half up)."""
    if value is None:
        return 0
    return int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP))


def _counts(spec: IndicatorSpec, sums: dict[str, tuple[Any, int, int]]) -> Counts:
    """One indicator's counts from the sums; the list size only if every record gave one."""

    def total(pointer: str | None) -> int:
        return _whole(sums[pointer][0]) if pointer and pointer in sums else 0

    list_size = None
    if spec.list_size and spec.list_size in sums:
        summed, given, records = sums[spec.list_size]
        list_size = _whole(summed) if records and given == records else None
    return Counts(
        numerator=total(spec.numerator),
        denominator=total(spec.denominator),
        exclusions=total(spec.exclusions),
        list_size=list_size,
    )
