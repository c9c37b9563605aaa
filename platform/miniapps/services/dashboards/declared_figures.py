"""The figures declared widgets are drawn from: a count or aggregate of records, of a
field's values or of a repeating section's items, grouped by period, month or the
organisations below.

Each figure is one aggregate statement over the widget's records
(:class:`~miniapps.services.dashboards.query.WidgetQuery`: the dashboard's scope, periods
and field filters, narrowed by the widget's ``where``). ``"aggregate": "items"`` counts
the items of the repeating section ``field`` (those matching ``item_where``): in SQL by
joining the section's items when ``item_where`` is simple
(:mod:`miniapps.services.dashboards.where`), otherwise by reading the records' data and
counting in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import FromClause, SQLColumnExpression, func, literal, select, true
from sqlalchemy.orm import aliased

from miniapps.core.dashboards.conditions import count_items, simple_terms
from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.months import MONTH, month_of_record, months_in_scope
from miniapps.services.dashboards.trends import Breakdown, period_of_record, under_children
from miniapps.services.dashboards.where import terms_condition
from miniapps.services.dashboards.widgets import WidgetQuery, plain_number

AGGREGATES: dict[str, Callable[[Any], Any]] = {
    "count": func.count,
    "sum": func.sum,
    "mean": func.avg,
    "min": func.min,
    "max": func.max,
}
ITEMS = "items"  # the number of items of a repeating section
NUMERIC = ("integer", "number")
COUNTS = ("count", "sum", ITEMS)  # figures that are 0, not unknown, without records


@dataclass
class Context:
    """What every declared widget is built from: the query over the dashboard's scope
    (narrowed by the widget's ``where``), the definition's schema and workflow, the
    breakdown below the chosen organisation, and a way to get one indicator's results
    (``indicator(code)`` → row, or a reason string). ``base`` is the dashboard's query
    before any ``where``; ``memo`` is shared by the widgets of one dashboard."""

    query: WidgetQuery
    schema: dict[str, Any]
    periodic: bool
    breakdown: Breakdown
    indicator: Callable[[str], dict[str, Any] | str]
    workflow: dict[str, Any] = field(default_factory=dict)
    base: WidgetQuery | None = None
    memo: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.base is None:
            self.base = self.query

    def months(self) -> list[str]:
        """Every London month of the dashboard's records, first to last (one axis)."""
        if MONTH not in self.memo:
            self.memo[MONTH] = months_in_scope(self.base or self.query)
        return cast(list[str], self.memo[MONTH])

    def group_key(self, group: str) -> SQLColumnExpression[Any]:
        """A record's period, or its London month (``group`` ``"month"``)."""
        if group == MONTH:
            return month_of_record(self.months())
        return period_of_record(self.query, self.periodic)


@dataclass(frozen=True)
class Measure:
    """What a widget counts: records (no field), a field's values with ``aggregate``, or
    a section's items matching ``item_where``."""

    field: Field | None
    aggregate: str
    item_where: Any = None

    @property
    def empty(self) -> int | None:
        """The figure of a group without records."""
        return 0 if self.aggregate in COUNTS else None


def measure_of(ctx: Context, spec: dict[str, Any]) -> Measure:
    pointer = spec.get("field")
    found = find_field(ctx.schema, pointer) if pointer else None
    if spec.get("aggregate") == ITEMS and found is not None and found.kind == "repeat":
        return Measure(found, ITEMS, spec.get("item_where"))
    if found is None or found.kind not in NUMERIC:
        return Measure(found, "count")  # only a count means anything for records or text
    return Measure(found, cast(str, spec.get("aggregate", "sum")))


def _value(aggregate: str, value: Any) -> Any:
    if aggregate in ("count", ITEMS):
        return int(value or 0)
    if aggregate == "mean":
        return None if value is None else round(float(value), 4)
    return plain_number(value)


def grouped(
    ctx: Context,
    measure: Measure,
    key: SQLColumnExpression[Any] | None,
    source: Callable[[FromClause], FromClause] | None = None,
) -> dict[Any, Any]:
    """``{group key: figure}``; ``key`` None gives one group, ``None``."""
    if measure.aggregate == ITEMS:
        return _items(ctx, measure, key, source)
    query = ctx.query
    measured: SQLColumnExpression[Any]
    if measure.field is None:
        base, measured = query.records(), Record.id
    else:
        base, value = query.values(measure.field)
        measured = value.number if measure.field.kind in NUMERIC else value.text
    if source is not None:
        base = source(base)
    return _aggregated(ctx, measure, key, base, measured, [])


def _aggregated(
    ctx: Context,
    measure: Measure,
    key: SQLColumnExpression[Any] | None,
    base: FromClause,
    measured: SQLColumnExpression[Any],
    where: list[Any],
) -> dict[Any, Any]:
    query = ctx.query
    columns: list[Any] = [measured.label("m")]
    if key is not None:
        columns.insert(0, key.label("k"))
    where = [*query.conditions, *where] + ([] if key is None else [key.is_not(None)])
    seen = select(*columns).select_from(base).where(*where).subquery()
    figure = AGGREGATES["count" if measure.aggregate == ITEMS else measure.aggregate](seen.c.m)
    if key is None:
        return {None: _value(measure.aggregate, query.session.execute(select(figure)).scalar())}
    rows = query.session.execute(select(seen.c.k, figure).group_by(seen.c.k)).all()
    return {k: _value(measure.aggregate, v) for k, v in rows}


def _items(
    ctx: Context,
    measure: Measure,
    key: SQLColumnExpression[Any] | None,
    source: Callable[[FromClause], FromClause] | None,
) -> dict[Any, Any]:
    """The items of the section, in SQL (one row per item) when ``item_where`` is simple."""
    query, section = ctx.query, measure.field
    assert section is not None
    terms = simple_terms(True if measure.item_where is None else measure.item_where)
    if terms is not None:
        base, document = query.walk(query.segments(section))
        if source is not None:
            base = source(base)
        read = lambda name: query.read(document, [name])  # noqa: E731
        condition = terms_condition(terms, read, query.read(document, [])) if terms else true()
        return _aggregated(ctx, measure, key, base, literal(1), [condition])
    base = query.records() if source is None else source(query.records())
    columns: list[Any] = [Record.data] if key is None else [key.label("k"), Record.data]
    where = [*query.conditions] + ([] if key is None else [key.is_not(None)])
    counts: dict[Any, int] = {} if key is not None else {None: 0}
    for row in query.session.execute(select(*columns).select_from(base).where(*where)):
        group = None if key is None else row[0]
        found = count_items(row[-1], section.pointer, measure.item_where)
        counts[group] = counts.get(group, 0) + found
    return counts


def by_time(ctx: Context, measure: Measure, group: str) -> dict[str, Any]:
    """The figure per period (those with records), or per month (every month of the
    dashboard, those without records at :attr:`Measure.empty`), oldest first."""
    found = grouped(ctx, measure, ctx.group_key(group))
    if group == MONTH:
        return {month: found.get(month, measure.empty) for month in ctx.months()}
    return dict(sorted(found.items()))


def by_org(ctx: Context, measure: Measure) -> list[dict[str, Any]]:
    """The organisations below with their figure (0 for counts without records)."""
    child = aliased(Organisation, name="child_org")
    join = lambda base: under_children(base, child, ctx.breakdown)  # noqa: E731
    found = grouped(ctx, measure, child.id, join)
    return [
        {"ods": o.ods, "name": o.name, "type": o.type, "value": found.get(o.id, measure.empty)}
        for o in ctx.breakdown.children
    ]
