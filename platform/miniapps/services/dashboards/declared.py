"""Widgets declared in a definition's ``dashboard.widgets``, built after the automatic ones.

:data:`DECLARED_WIDGETS` maps each widget ``type`` of the meta-schema to its builder; every
builder returns the contract shape ``{"id", "type", "title", "data"}`` with the id, type
and title of the definition. Numbers come from the same queries as the automatic widgets
(:class:`~miniapps.services.dashboards.widgets.WidgetQuery`, the period of a record and the
child-organisation join of :mod:`~miniapps.services.dashboards.trends`), over the same scope,
periods and field filters; a widget's ``where`` narrows its own records further
(:mod:`~miniapps.services.dashboards.where`). The figures themselves are
:mod:`~miniapps.services.dashboards.declared_figures`.

=============  ==========================================================================
type           data
=============  ==========================================================================
``metric``     ``{"aggregate", "field", "value", "period", "comparison"}``: one number;
               with ``group_by: "period"`` (or ``"month"``) the latest period's (month's),
               compared with the one before (``comparison``: ``{"period", "value",
               "difference"}``)
``chart``      ``{"chart", "group_by", "aggregate", "field", "labels", "keys",
               "datasets": [{"label", "values"}], "average"}``; ``ranked_bar`` is by
               organisation, highest first, with ``average`` (the parent's line);
               ``group_by: "month"`` lists every month of the dashboard (``2026-04``)
``table``      ``{"columns": [{"pointer", "title"}], "rows": [{"ods", "period",
               "values"}]}``: the newest records first, at most ``limit`` (50); with
               ``group_by: "month"`` each row also has its ``month``
``indicator``  one row of the indicator results plus ``org`` and ``period``, or
               ``{"code", "unavailable": reason}``
``map``        ``{"aggregate", "field", "organisations": [{"ods", "name", "type",
               "value"}], "note"}``: no map tiles are available offline, so a map is the
               table of the organisations below with their values
``duration``   see :mod:`~miniapps.services.dashboards.durations`
``heatmap``    see :mod:`~miniapps.services.dashboards.heatmap`
=============  ==========================================================================

``states`` (any widget) counts only the records in those workflow states.

``"aggregate": "items"`` (with a repeating section as ``field``) counts the section's
items, those matching ``item_where`` when given: its ``aggregate`` is ``"items"``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy import SQLColumnExpression, func, select
from sqlalchemy.orm import aliased

from miniapps.core.definitions.schema_fields import Field, find_field, iter_fields
from miniapps.core.pointers import pointer_parts, value_at
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.declared_figures import (
    ITEMS,
    NUMERIC,
    Context,
    Measure,
    by_org,
    by_time,
    grouped,
    measure_of,
)
from miniapps.services.dashboards.durations import build_duration
from miniapps.services.dashboards.heatmap import build_heatmap
from miniapps.services.dashboards.months import MONTH, month_of_record
from miniapps.services.dashboards.trends import under_children
from miniapps.services.dashboards.where import narrowed
from miniapps.services.dashboards.widgets import build_value_counts, plain_number

__all__ = ["CHART_KINDS", "DECLARED_WIDGETS", "MAP_NOTE", "Context", "declared_widgets"]

TABLE_LIMIT = 50
MAP_NOTE = (
    "There is no map source available offline, so this map is shown as a table of the "
    "organisations with their values."
)
TIME_GROUPS = ("period", MONTH)


def _head(spec: dict[str, Any]) -> dict[str, Any]:
    return {"id": spec["id"], "type": spec["type"], "title": spec["title"]}


def build_metric(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    measure = measure_of(ctx, spec)
    data: dict[str, Any] = {"aggregate": measure.aggregate, "field": spec.get("field")}
    data.update(value=None, period=None, comparison=None)
    if spec.get("group_by") in TIME_GROUPS:
        periods = list(by_time(ctx, measure, spec["group_by"]).items())
        if periods:
            data["period"], data["value"] = periods[-1]
        if len(periods) > 1:
            before, earlier = periods[-2]
            difference = _difference(data["value"], earlier)
            data["comparison"] = {"period": before, "value": earlier, "difference": difference}
    else:
        data["value"] = grouped(ctx, measure, None)[None]
    return {**_head(spec), "data": data}


def _difference(value: Any, other: Any) -> Any:
    if value is None or other is None:
        return None
    return plain_number(round(value - other, 4))


def build_chart(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    measure = measure_of(ctx, spec)
    field, aggregate = measure.field, measure.aggregate
    kind = spec["chart"]
    group = "org" if kind == "ranked_bar" else spec.get("group_by", "period")
    data: dict[str, Any] = {"chart": kind, "group_by": group, "aggregate": aggregate}
    data.update(field=spec.get("field"), average=None)
    label = f"{aggregate.capitalize()}" + (f" of {field.title}" if field else " of records")
    if aggregate == ITEMS and field is not None:
        label = f"Items of {field.title}"
    if group.startswith("/"):
        counts = build_value_counts(ctx.query, find_field(ctx.schema, group))["data"]["counts"]
        keys, values = list(counts), list(counts.values())
        label = "Records"
    elif group == "org":
        rows = by_org(ctx, measure)
        if kind == "ranked_bar":
            rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["name"]))
            data["average"] = _average(ctx, measure, rows)
        keys, values = [r["ods"] for r in rows], [r["value"] for r in rows]
        data["labels"] = [r["name"] for r in rows]
    else:
        found = by_time(ctx, measure, group)
        keys, values = list(found), list(found.values())
    data.setdefault("labels", list(keys))
    data["keys"] = keys
    data["datasets"] = [{"label": label, "values": values}]
    stackable = field is not None and field.kind not in NUMERIC and aggregate != ITEMS
    if kind == "stacked_bar" and stackable and field is not None:
        data["datasets"] = _stacks(ctx, field, group, keys)
    return {**_head(spec), "data": data}


def _average(ctx: Context, measure: Measure, rows: list[dict[str, Any]]) -> Any:
    """The parent's line: its own mean for means, else the average over the children."""
    if measure.aggregate == "mean":
        return grouped(ctx, measure, None)[None]
    values = [r["value"] for r in rows if r["value"] is not None]
    return round(sum(values) / len(values), 4) if values else None


def _stacks(ctx: Context, field: Field, group: str, keys: list[Any]) -> list[dict[str, Any]]:
    """One dataset per answer of an enum or boolean field, counted per period, month or org."""
    source, value = ctx.query.values(field)
    if group == "org":
        child = aliased(Organisation, name="child_org")
        key: SQLColumnExpression[Any] = child.ods
        source = under_children(source, child, ctx.breakdown)
    else:
        key = ctx.group_key(group)
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
    monthly = spec.get("group_by") == MONTH
    month = month_of_record(ctx.months()) if monthly else None
    extra: list[Any] = [month.label("month")] if month is not None else []
    rows = query.session.execute(
        select(Organisation.ods, Record.period, Record.data, *extra)
        .select_from(query.records())
        .where(*query.conditions)
        .order_by(Record.period.desc(), Record.submitted_at.desc(), Record.id.desc())
        .limit(spec.get("limit", TABLE_LIMIT))
    ).all()
    data = {
        "columns": [{"pointer": p, "title": f.title if f else p} for p, f in fields],
        "rows": [
            {
                "ods": row[0],
                "period": row[1],
                **({"month": row[3]} if monthly else {}),
                "values": [value_at(row[2], p) for p in pointers],
            }
            for row in rows
        ],
    }
    return {**_head(spec), "data": data}


def build_indicator(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    found = ctx.indicator(spec["indicator"])
    data = {"code": spec["indicator"], "unavailable": found} if isinstance(found, str) else found
    return {**_head(spec), "data": data}


def build_map(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    measure = measure_of(ctx, spec)
    data = {"aggregate": measure.aggregate, "field": spec.get("field")}
    data.update(organisations=by_org(ctx, measure), note=MAP_NOTE)
    return {**_head(spec), "data": data}


DeclaredBuilder = Callable[[Context, dict[str, Any]], dict[str, Any]]

# One builder per widget type of the meta-schema (``/$defs/widget/properties/type/enum``).
DECLARED_WIDGETS: dict[str, DeclaredBuilder] = {
    "metric": build_metric,
    "chart": build_chart,
    "table": build_table,
    "indicator": build_indicator,
    "map": build_map,
    "duration": build_duration,
    "heatmap": build_heatmap,
}
# The chart kinds :func:`build_chart` draws (``/$defs/widget/properties/chart/enum``).
CHART_KINDS = ("bar", "line", "stacked_bar", "pie", "ranked_bar")


def declared_widgets(ctx: Context, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every declared widget in order; one with ``where`` (or ``states``) over its own
    narrowed records."""
    widgets = []
    for spec in specs:
        own = ctx
        if "states" in spec and spec["type"] != "indicator":
            in_states = copy.copy(ctx.query)
            in_states.conditions = [*ctx.query.conditions, Record.status.in_(spec["states"])]
            # Its own memo: ids a ``where`` matched among all states are not reused here.
            own = dataclasses.replace(ctx, query=in_states, memo={})
        if "where" in spec and spec["type"] != "indicator":
            found = own.memo.setdefault("where", {})
            own = dataclasses.replace(own, query=narrowed(own.query, spec["where"], found))
        widgets.append(DECLARED_WIDGETS[spec["type"]](own, spec))
    return widgets
