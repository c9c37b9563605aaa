"""Widgets declared in a definition's ``dashboard.widgets``, built after the automatic ones.

:data:`DECLARED_WIDGETS` maps each widget ``type`` of the meta-schema to its builder; every
builder returns the contract shape ``{"id", "type", "title", "data"}`` with the id, type
and title of the definition. Numbers come from the same queries as the automatic widgets
(:class:`~miniapps.services.dashboards.widgets.WidgetQuery`, the period of a record and the
child-organisation join of :mod:`~miniapps.services.dashboards.trends`), over the same scope,
periods and field filters.

=============  ==========================================================================
type           data
=============  ==========================================================================
``metric``     ``{"aggregate", "field", "value", "period", "comparison"}``: one number;
               with ``group_by: "period"`` the latest period's, compared with the one
               before (``comparison``: ``{"period", "value", "difference"}``)
``chart``      ``{"chart", "group_by", "aggregate", "field", "labels", "keys",
               "datasets": [{"label", "values"}], "average"}``; ``ranked_bar`` is by
               organisation, highest first, with ``average`` (the parent's line)
``table``      ``{"columns": [{"pointer", "title"}], "rows": [{"ods", "period",
               "values"}]}``: the newest records first, at most ``limit`` (50)
``indicator``  one row of the indicator results plus ``org`` and ``period``, or
               ``{"code", "unavailable": reason}``
``map``        ``{"aggregate", "field", "organisations": [{"ods", "name", "type",
               "value"}], "note"}``: no map tiles are available offline, so a map is the
               table of the organisations below with their values
=============  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import FromClause, SQLColumnExpression, func, select
from sqlalchemy.orm import aliased

from miniapps.core.definitions.schema_fields import Field, find_field, iter_fields
from miniapps.core.pointers import pointer_parts, value_at
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.trends import Breakdown, period_of_record, under_children
from miniapps.services.dashboards.widgets import WidgetQuery, build_value_counts, plain_number

TABLE_LIMIT = 50
MAP_NOTE = (
    "There is no map source available offline, so this map is shown as a table of the "
    "organisations with their values."
)
AGGREGATES: dict[str, Callable[[Any], Any]] = {
    "count": func.count,
    "sum": func.sum,
    "mean": func.avg,
    "min": func.min,
    "max": func.max,
}
NUMERIC = ("integer", "number")


@dataclass
class Context:
    """What every declared widget is built from: the query over the dashboard's scope,
    the definition's schema, the breakdown below the chosen organisation, and a way to
    get one indicator's results (``indicator(code, period)`` → row, or a reason string)."""

    query: WidgetQuery
    schema: dict[str, Any]
    periodic: bool
    breakdown: Breakdown
    indicator: Callable[[str], dict[str, Any] | str]


def _field(ctx: Context, pointer: str | None) -> Field | None:
    return find_field(ctx.schema, pointer) if pointer else None


def _aggregate_of(spec: dict[str, Any], field: Field | None) -> str:
    if field is None or field.kind not in NUMERIC:
        return "count"  # only a count means anything for records or non-number answers
    return cast(str, spec.get("aggregate", "sum"))


def _value(aggregate: str, value: Any) -> Any:
    if aggregate == "count":
        return int(value or 0)
    if aggregate == "mean":
        return None if value is None else round(float(value), 4)
    return plain_number(value)


def grouped(
    ctx: Context,
    field: Field | None,
    aggregate: str,
    key: SQLColumnExpression[Any] | None,
    source: Callable[[FromClause], FromClause] | None = None,
) -> dict[Any, Any]:
    """``{group key: figure}`` of records (no field) or of a field's values; ``key`` None
    gives one group, ``None``."""
    query = ctx.query
    measure: SQLColumnExpression[Any]
    if field is None:
        base, measure = query.records(), Record.id
    else:
        base, value = query.values(field)
        measure = value.number if field.kind in NUMERIC else value.text
    if source is not None:
        base = source(base)
    columns = [measure.label("m")] if key is None else [key.label("k"), measure.label("m")]
    where = [*query.conditions] + ([] if key is None else [key.is_not(None)])
    seen = select(*columns).select_from(base).where(*where).subquery()
    figure = AGGREGATES[aggregate](seen.c.m)
    if key is None:
        return {None: _value(aggregate, query.session.execute(select(figure)).scalar())}
    rows = query.session.execute(select(seen.c.k, figure).group_by(seen.c.k)).all()
    return {k: _value(aggregate, v) for k, v in rows}


def by_period(ctx: Context, field: Field | None, aggregate: str) -> dict[str, Any]:
    found = grouped(ctx, field, aggregate, period_of_record(ctx.query, ctx.periodic))
    return dict(sorted(found.items()))


def by_org(ctx: Context, field: Field | None, aggregate: str) -> list[dict[str, Any]]:
    """The organisations below with their figure (0 for counts and sums without records)."""
    child = aliased(Organisation, name="child_org")
    join = lambda base: under_children(base, child, ctx.breakdown)  # noqa: E731
    found = grouped(ctx, field, aggregate, child.id, join)
    empty = 0 if aggregate in ("count", "sum") else None
    return [
        {"ods": o.ods, "name": o.name, "type": o.type, "value": found.get(o.id, empty)}
        for o in ctx.breakdown.children
    ]


def _head(spec: dict[str, Any]) -> dict[str, Any]:
    return {"id": spec["id"], "type": spec["type"], "title": spec["title"]}


def build_metric(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    field = _field(ctx, spec.get("field"))
    aggregate = _aggregate_of(spec, field)
    data: dict[str, Any] = {"aggregate": aggregate, "field": spec.get("field")}
    data.update(value=None, period=None, comparison=None)
    if spec.get("group_by") == "period":
        periods = list(by_period(ctx, field, aggregate).items())
        if periods:
            data["period"], data["value"] = periods[-1]
        if len(periods) > 1:
            before, earlier = periods[-2]
            difference = _difference(data["value"], earlier)
            data["comparison"] = {"period": before, "value": earlier, "difference": difference}
    else:
        data["value"] = grouped(ctx, field, aggregate, None)[None]
    return {**_head(spec), "data": data}


def _difference(value: Any, other: Any) -> Any:
    if value is None or other is None:
        return None
    return plain_number(round(value - other, 4))


def build_chart(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    field = _field(ctx, spec.get("field"))
    aggregate = _aggregate_of(spec, field)
    kind = spec["chart"]
    group = "org" if kind == "ranked_bar" else spec.get("group_by", "period")
    data: dict[str, Any] = {"chart": kind, "group_by": group, "aggregate": aggregate}
    data.update(field=spec.get("field"), average=None)
    label = f"{aggregate.capitalize()}" + (f" of {field.title}" if field else " of records")
    if group.startswith("/"):
        counts = build_value_counts(ctx.query, _field(ctx, group))["data"]["counts"]
        keys, values = list(counts), list(counts.values())
        label = "Records"
    elif group == "org":
        rows = by_org(ctx, field, aggregate)
        if kind == "ranked_bar":
            rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["name"]))
            data["average"] = _average(ctx, field, aggregate, rows)
        keys, values = [r["ods"] for r in rows], [r["value"] for r in rows]
        data["labels"] = [r["name"] for r in rows]
    else:
        found = by_period(ctx, field, aggregate)
        keys, values = list(found), list(found.values())
    data.setdefault("labels", list(keys))
    data["keys"] = keys
    data["datasets"] = [{"label": label, "values": values}]
    if kind == "stacked_bar" and field is not None and field.kind not in NUMERIC:
        data["datasets"] = _stacks(ctx, field, group, keys)
    return {**_head(spec), "data": data}


def _average(ctx: Context, field: Field | None, aggregate: str, rows: list[dict[str, Any]]) -> Any:
    """The parent's line: its own mean for means, else the average over the children."""
    if aggregate == "mean":
        return grouped(ctx, field, "mean", None)[None]
    values = [r["value"] for r in rows if r["value"] is not None]
    return round(sum(values) / len(values), 4) if values else None


def _stacks(ctx: Context, field: Field, group: str, keys: list[Any]) -> list[dict[str, Any]]:
    """One dataset per answer of an enum or boolean field, counted per period or org."""
    source, value = ctx.query.values(field)
    if group == "org":
        child = aliased(Organisation, name="child_org")
        key: SQLColumnExpression[Any] = child.ods
        source = under_children(source, child, ctx.breakdown)
    else:
        key = period_of_record(ctx.query, ctx.periodic)
    seen = (
        select(key.label("k"), value.text.label("v"))
        .select_from(source)
        .where(*ctx.query.conditions, key.is_not(None), value.text.is_not(None))
        .subquery()
    )
    rows = ctx.query.session.execute(
        select(seen.c.k, seen.c.v, func.count()).group_by(seen.c.k, seen.c.v)
    ).all()
    counts: dict[str, dict[Any, int]] = {}
    for k, v, n in rows:
        counts.setdefault(str(v), {})[k] = int(n)
    labels = dict(field.choices) if field.kind != "boolean" else {"true": "Yes", "false": "No"}
    order = [str(v).lower() if isinstance(v, bool) else str(v) for v in labels]
    answers = [a for a in order if a in counts] + sorted(a for a in counts if a not in order)
    names = {str(k).lower() if isinstance(k, bool) else str(k): t for k, t in labels.items()}
    return [
        {"label": str(names.get(a, a)), "values": [counts[a].get(k, 0) for k in keys]}
        for a in answers
    ]


def build_table(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    pointers = spec.get("columns") or [
        f.pointer
        for f in iter_fields(ctx.schema)
        if "-" not in pointer_parts(f.pointer) and f.kind not in ("object", "array")
    ]
    fields = [(p, find_field(ctx.schema, p)) for p in pointers]
    query = ctx.query
    rows = query.session.execute(
        select(Organisation.ods, Record.period, Record.data)
        .select_from(query.records())
        .where(*query.conditions)
        .order_by(Record.period.desc(), Record.submitted_at.desc(), Record.id.desc())
        .limit(spec.get("limit", TABLE_LIMIT))
    ).all()
    data = {
        "columns": [{"pointer": p, "title": f.title if f else p} for p, f in fields],
        "rows": [
            {"ods": ods, "period": period, "values": [value_at(doc, p) for p in pointers]}
            for ods, period, doc in rows
        ],
    }
    return {**_head(spec), "data": data}


def build_indicator(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    found = ctx.indicator(spec["indicator"])
    data = {"code": spec["indicator"], "unavailable": found} if isinstance(found, str) else found
    return {**_head(spec), "data": data}


def build_map(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    field = _field(ctx, spec.get("field"))
    aggregate = _aggregate_of(spec, field)
    data = {"aggregate": aggregate, "field": spec.get("field")}
    data.update(organisations=by_org(ctx, field, aggregate), note=MAP_NOTE)
    return {**_head(spec), "data": data}


DeclaredBuilder = Callable[[Context, dict[str, Any]], dict[str, Any]]

# One builder per widget type of the meta-schema (``/$defs/widget/properties/type/enum``).
DECLARED_WIDGETS: dict[str, DeclaredBuilder] = {
    "metric": build_metric,
    "chart": build_chart,
    "table": build_table,
    "indicator": build_indicator,
    "map": build_map,
}
# The chart kinds :func:`build_chart` draws (``/$defs/widget/properties/chart/enum``).
CHART_KINDS = ("bar", "line", "stacked_bar", "pie", "ranked_bar")


def declared_widgets(ctx: Context, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [DECLARED_WIDGETS[spec["type"]](ctx, spec) for spec in specs]
