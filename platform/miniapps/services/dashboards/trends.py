"""Analysis widgets added after the contract widgets: trends over periods and breakdowns
by the organisations one level below the chosen one.

They never change the contract widgets (``records`` and one per field pointer); they
only add widgets, with ids that cannot clash with a field pointer:

============================  =============================================================
id                            data
============================  =============================================================
``records_by_period``         ``{"periods": [{"period", "count"}]}``, oldest period first
``<pointer>#trend``           ``{"periods": [{"period", "count", "sum", "mean"}]}`` for a
                              number field (``/reading#trend``)
``records#by_org``            ``{"parent": {"ods", "name", "count", "mean"},
                              "children": [{"ods", "name", "type", "count"}]}``, most first;
                              the parent's ``count`` is all its records (its own included),
                              its ``mean`` the children's average count
``<pointer>#by_org``          ``{"parent": {"ods", "name", "count", "sum", "mean"},
                              "children": [{"ods", "name", "type", "count", "sum", "mean",
                              "min", "max", "difference"}]}``, highest mean first;
                              ``difference`` is the child's mean minus the parent's
============================  =============================================================

The period of a record is its reporting period for periodic apps, and otherwise the
month it was submitted (``2025-04``). A breakdown groups each record under the child
organisation whose materialised path prefixes the record's organisation's path, in one
query however many children there are; children without records are listed with zeros.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import SQLColumnExpression, func, select
from sqlalchemy.orm import aliased

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.widgets import WidgetQuery, mean_of, number_stats, plain_number

TREND, BY_ORG = "#trend", "#by_org"


@dataclass(frozen=True)
class Breakdown:
    """The organisation a dashboard is for (None: everything readable) and the ones to
    compare beneath it."""

    parent: Organisation | None
    children: Sequence[Organisation]

    def parent_ref(self) -> dict[str, Any]:
        if self.parent is None:
            return {"ods": None, "name": "All organisations you can see"}
        return {"ods": self.parent.ods, "name": self.parent.name}


def period_of_record(query: WidgetQuery, periodic: bool) -> SQLColumnExpression[Any]:
    """The period a record counts in: its own, or the month it was submitted."""
    if periodic:
        return Record.period
    stamp = func.coalesce(Record.submitted_at, Record.created_at)
    if query.dialect == "postgresql":
        return func.to_char(stamp, "YYYY-MM")
    return func.strftime("%Y-%m", stamp)


def build_records_by_period(query: WidgetQuery, periodic: bool) -> dict[str, Any]:
    """``records_by_period``: submitted records per period, oldest first."""
    period = period_of_record(query, periodic)
    seen = (
        select(period.label("period"))
        .select_from(query.records())
        .where(*query.conditions, period.is_not(None))
        .subquery()  # group on a named column: PostgreSQL will not match repeated binds
    )
    rows = query.session.execute(
        select(seen.c.period, func.count()).group_by(seen.c.period).order_by(seen.c.period)
    ).all()
    return records_by_period_widget(rows)


def records_by_period_widget(rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """``records_by_period`` from ``(period, count)`` rows, oldest first."""
    ordered = sorted(rows, key=lambda row: row[0])
    data = {"periods": [{"period": p, "count": int(n)} for p, n in ordered]}
    return {
        "id": "records_by_period",
        "type": "records_by_period",
        "title": "Records by period",
        "data": data,
    }


def build_trend(query: WidgetQuery, field: Field, periodic: bool) -> dict[str, Any]:
    """``<pointer>#trend``: count, sum and mean of a number field per period."""
    return build_trends(query, [field], periodic)[0]


def build_trends(
    query: WidgetQuery, fields: Sequence[Field], periodic: bool
) -> list[dict[str, Any]]:
    """The ``<pointer>#trend`` widgets of several number fields, in their order: one
    statement grouped by period for all the fields reached through the same arrays."""
    period = period_of_record(query, periodic)
    found: dict[str, list[dict[str, Any]]] = {}
    for rows, named in query.numbers(
        fields, extra=[period.label("period")], where=[period.is_not(None)]
    ):
        stats = [stat for _, column in named for stat in (func.count(column), func.sum(column))]
        result = query.session.execute(
            select(rows.c.period, *stats).group_by(rows.c.period).order_by(rows.c.period)
        ).all()
        for index, (field, _) in enumerate(named):
            found[field.pointer] = [
                period_figures(row[0], *row[1 + index * 2 : 3 + index * 2]) for row in result
            ]
    return [trend_widget(field, found[field.pointer]) for field in fields]


def trend_widget(field: Field, periods: list[dict[str, Any]]) -> dict[str, Any]:
    """``<pointer>#trend`` from the :func:`period_figures` of each period, oldest first."""
    return {
        "id": field.pointer + TREND,
        "type": "trend",
        "title": f"{field.title} by period",
        "data": {"periods": periods},
    }


def period_figures(period: str, count: Any, total: Any) -> dict[str, Any]:
    """One period of a trend from the count and sum of its values."""
    return {
        "period": period,
        "count": int(count),
        "sum": plain_number(total) if count else 0,
        "mean": mean_of(count, total),
    }


def build_records_by_org(query: WidgetQuery, breakdown: Breakdown, total: int) -> dict[str, Any]:
    """``records#by_org``: records per child organisation, most first (``total``: the
    parent's records, from the ``records`` widget over the same scope)."""
    child = aliased(Organisation, name="child_org")
    rows = query.session.execute(
        select(child.id, func.count(Record.id))
        .select_from(under_children(query.records(), child, breakdown))
        .where(*query.conditions)
        .group_by(child.id)
    ).all()
    return records_by_org_widget(breakdown, {child_id: int(n) for child_id, n in rows}, total)


def records_by_org_widget(
    breakdown: Breakdown, counts: dict[int, int], total: int
) -> dict[str, Any]:
    """``records#by_org`` from the records of each child (by organisation id)."""
    children = [{**_org_ref(o), "count": counts.get(o.id, 0)} for o in breakdown.children]
    children.sort(key=lambda c: (-c["count"], c["name"]))
    in_children = sum(c["count"] for c in children)
    parent = {
        **breakdown.parent_ref(),
        "count": total,
        "mean": round(in_children / len(children), 4) if children else None,
    }
    return {
        "id": "records" + BY_ORG,
        "type": "records_by_org",
        "title": "Records by organisation below",
        "data": {"parent": parent, "children": children},
    }


def build_number_by_org(
    query: WidgetQuery, field: Field, breakdown: Breakdown, summary: dict[str, Any]
) -> dict[str, Any]:
    """``<pointer>#by_org``: a number field's figures per child organisation beside the
    parent's (``summary`` is the field's contract widget data over the same scope)."""
    return build_numbers_by_org(query, [(field, summary)], breakdown)[0]


def build_numbers_by_org(
    query: WidgetQuery,
    numbers: Sequence[tuple[Field, dict[str, Any]]],
    breakdown: Breakdown,
) -> list[dict[str, Any]]:
    """The ``<pointer>#by_org`` widgets of several number fields (each with its contract
    widget data over the same scope), in their order: one statement grouped by child
    organisation for all the fields reached through the same arrays."""
    child = aliased(Organisation, name="child_org")
    fields = [field for field, _ in numbers]
    found: dict[str, dict[Any, Sequence[Any]]] = {}
    for rows, named in query.numbers(
        fields,
        extra=[child.id.label("child")],
        join=lambda source: under_children(source, child, breakdown),
    ):
        stats = [stat for _, column in named for stat in number_stats(column)]
        result = query.session.execute(select(rows.c.child, *stats).group_by(rows.c.child)).all()
        for index, (field, _) in enumerate(named):
            found[field.pointer] = {row[0]: row[1 + index * 4 : 5 + index * 4] for row in result}
    return [
        number_by_org_widget(field, breakdown, summary, found[field.pointer])
        for field, summary in numbers
    ]


def number_by_org_widget(
    field: Field,
    breakdown: Breakdown,
    summary: dict[str, Any],
    found: dict[Any, Sequence[Any]],
) -> dict[str, Any]:
    """``<pointer>#by_org`` from each child's count, sum, min and max of the field (by
    organisation id; children not in ``found`` have none) and the parent's summary."""
    parent_mean = summary["mean"]
    children = []
    for org in breakdown.children:
        count, total, low, high = found.get(org.id, (0, None, None, None))
        mean = mean_of(count, total)
        children.append(
            {
                **_org_ref(org),
                "count": int(count),
                "sum": plain_number(total) if count else 0,
                "mean": mean,
                "min": plain_number(low),
                "max": plain_number(high),
                "difference": (
                    round(mean - parent_mean, 4)
                    if mean is not None and parent_mean is not None
                    else None
                ),
            }
        )
    children.sort(key=lambda c: (c["mean"] is None, -(c["mean"] or 0), c["name"]))
    parent = {**breakdown.parent_ref(), **{k: summary[k] for k in ("count", "sum", "mean")}}
    return {
        "id": field.pointer + BY_ORG,
        "type": "number_by_org",
        "title": f"{field.title} by organisation below",
        "data": {"parent": parent, "children": children},
    }


def under_children(source: Any, child: Any, breakdown: Breakdown) -> Any:
    """Each row of ``source`` joined to the child organisation above its organisation."""
    ids = [o.id for o in breakdown.children]
    return source.join(child, Organisation.path.startswith(child.path) & child.id.in_(ids))


def _org_ref(org: Organisation) -> dict[str, Any]:
    return {"ods": org.ods, "name": org.name, "type": org.type}
