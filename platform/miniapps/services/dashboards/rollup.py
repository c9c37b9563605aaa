"""Every record-level figure of the automatic dashboard from one SQL statement.

The ``records`` widget, the ``number_summary`` and ``value_counts`` widgets of fields
with one value per record, ``records_by_period`` and the trends, and the breakdown by
child organisation all aggregate the same rows. Instead of one statement per widget
kind, each scanning the records and reading their JSON again, one statement reads every
value once into a common table expression (``facts``: one row per record, which both
databases materialise because it is used more than once) and aggregates it a few ways
joined by ``UNION ALL``, each branch tagged with what it groups by:

=========  ==================================  ========================================
tag        key, key2                           figures
=========  ==================================  ========================================
``group``  child organisation's id, period     records; count, sum, min, max per number
``org``    the organisation's ODS code, -      records
``v<j>``   JSON type, text                     how many times the j-th counted field
                                               holds it
=========  ==================================  ========================================

The totals, the trends (by period) and the breakdown (by child) are sums of the
``group`` rows, added up in Python: there are at most (children + 1) x (periods + 1) of
them, and aggregating every record once instead of once per widget kind saves most of
the statement's aggregate work. Means are ``sum / count`` of those exact sums
(:func:`~miniapps.services.dashboards.widgets.mean_of`), as in the per-kind builders of
:mod:`~miniapps.services.dashboards.widgets` and :mod:`~miniapps.services.dashboards.trends`,
which still serve fields inside repeating sections and multi-selects (one row per item);
``tests/services/dashboards/test_dashboard_rollup.py`` checks that both give the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import CTE, Select, and_, literal_column, select, text
from sqlalchemy.orm import aliased

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation
from miniapps.services.dashboards.trends import (
    Breakdown,
    number_by_org_widget,
    period_figures,
    period_of_record,
    records_by_org_widget,
    records_by_period_widget,
    trend_widget,
)
from miniapps.services.dashboards.widgets import (
    JsonValue,
    WidgetQuery,
    counted_kinds,
    summary_data,
    value_counts_widget,
)

STATS = 4  # count, sum, min and max of each number in a group's row


@dataclass
class Facts:
    """The rows of the statement by tag: ``(child id, period, row)`` per group, where
    ``row`` is ``(records, figures...)``; records by ODS code; ``(JSON type, text,
    count)`` rows per counted field."""

    groups: list[tuple[int | None, str | None, Sequence[Any]]] = field(default_factory=list)
    by_org: dict[str, int] = field(default_factory=dict)
    counts: dict[int, list[tuple[Any, Any, Any]]] = field(default_factory=dict)


def added_up(rows: Sequence[Sequence[Any]], numbers: int) -> list[Any]:
    """Several groups' ``(records, figures...)`` rows as one: records and counts added,
    sums added exactly (floats with :func:`math.fsum`), the least min and greatest max."""
    if len(rows) == 1:
        return list(rows[0])
    columns = list(zip(*rows, strict=True)) if rows else [()] * (1 + numbers * STATS)
    result: list[Any] = [sum(columns[0])]
    for at in range(1, 1 + numbers * STATS, STATS):
        sums = [value for value in columns[at + 1] if value is not None]
        lows = [value for value in columns[at + 2] if value is not None]
        highs = [value for value in columns[at + 3] if value is not None]
        result += [
            sum(columns[at]),
            _sum(sums),
            min(lows) if lows else None,
            max(highs) if highs else None,
        ]
    return result


def four_figures(row: Sequence[Any], index: int) -> Sequence[Any]:
    """The ``index``-th number's count, sum, min and max in a row of :func:`added_up`."""
    return row[1 + index * STATS : 1 + (index + 1) * STATS]


def _sum(values: list[Any]) -> Any:
    if len(values) <= 1:
        return values[0] if values else None
    if any(isinstance(value, float) for value in values):
        return math.fsum(values)
    return sum(values)


def record_widgets(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    breakdown: Breakdown | None,
) -> dict[str, dict[str, Any]]:
    """The record-level widgets by id: ``records``, ``records_by_period``, a
    ``number_summary`` and ``#trend`` per field of ``numbers``, a ``value_counts`` per
    field of ``counted``, and with children to compare ``records#by_org`` and a
    ``#by_org`` per number. Every field must be plain (:meth:`WidgetQuery.is_plain`)."""
    children = list(breakdown.children) if breakdown is not None else []
    facts = read_facts(query, periodic, numbers, counted, children)
    width = len(numbers)
    in_period: dict[str, list[Sequence[Any]]] = {}
    in_child: dict[int, list[Sequence[Any]]] = {}
    for child, period, row in facts.groups:
        if period is not None:
            in_period.setdefault(period, []).append(row)
        if child is not None:
            in_child.setdefault(child, []).append(row)
    totals = added_up([row for _, _, row in facts.groups], width)
    periods = [(period, added_up(rows, width)) for period, rows in sorted(in_period.items())]
    records = {"total": totals[0], "by_org": dict(sorted(facts.by_org.items()))}
    widgets: dict[str, dict[str, Any]] = {
        "records": {"id": "records", "type": "records", "title": "Records", "data": records}
    }
    widgets["records_by_period"] = records_by_period_widget((p, row[0]) for p, row in periods)
    for index, number in enumerate(numbers):
        widgets[number.pointer] = {
            "id": number.pointer,
            "type": "number_summary",
            "title": number.title,
            "data": summary_data(*four_figures(totals, index)),
        }
        trend = [period_figures(p, *four_figures(row, index)[:2]) for p, row in periods]
        widgets[number.pointer + "#trend"] = trend_widget(number, trend)
    for index, answer in enumerate(counted):
        widgets[answer.pointer] = value_counts_widget(answer, facts.counts.get(index, []))
    if breakdown is not None and children:
        by_child = {child: added_up(rows, width) for child, rows in in_child.items()}
        counts = {child: int(row[0]) for child, row in by_child.items()}
        widgets["records#by_org"] = records_by_org_widget(breakdown, counts, totals[0])
        for index, number in enumerate(numbers):
            found = {child: four_figures(row, index) for child, row in by_child.items()}
            summary = widgets[number.pointer]["data"]
            widget = number_by_org_widget(number, breakdown, summary, found)
            widgets[widget["id"]] = widget
    return widgets


def read_facts(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    children: Sequence[Organisation],
) -> Facts:
    """Run the one statement and sort its rows by tag."""
    facts_cte = _facts(query, periodic, numbers, counted, children)
    kinds = tuple(tuple(counted_kinds(answer)) for answer in counted)
    branches = _figures(len(numbers), kinds, bool(children))
    statement: Select[Any] = select(literal_column("*")).select_from(branches).add_cte(facts_cte)
    found = Facts()
    for tag, key, key2, *row in query.session.execute(statement).all():
        if tag == "group":
            found.groups.append((None if key is None else int(key), key2, row))
        elif tag == "org":
            found.by_org[key] = int(row[0])
        else:
            found.counts.setdefault(int(tag[1:]), []).append((key, key2, row[0]))
    return found


# The child organisation above a record's organisation. SQL constructs are immutable, so
# the alias and its join condition are built once: ``startswith`` on a column alone cost
# more Python than a practice's statement.
CHILD = aliased(Organisation, name="child_org")
UNDER_CHILD = Organisation.path.startswith(CHILD.path)


def _facts(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    children: Sequence[Organisation],
) -> CTE:
    """One row per record: its organisation, period, child organisation (when there are
    children to compare), each number and each counted field's JSON type and text."""
    source = query.records()
    keys: list[Any] = [
        Organisation.ods.label("ods"),
        period_of_record(query, periodic).label("period"),
    ]
    if children:
        ids = [o.id for o in children]
        source = source.outerjoin(CHILD, and_(UNDER_CHILD, query.id_in(CHILD.id, ids)))
        keys.append(CHILD.id.label("child"))
    rows = query.plain_rows([*numbers, *counted], keys, source)
    columns = list(rows.keys)
    columns += [
        _typed(value, "number", f"n{i}") for i, value in enumerate(rows.values[: len(numbers)])
    ]
    for index, value in enumerate(rows.values[len(numbers) :]):
        columns += [_typed(value, "kind", f"k{index}"), _typed(value, "text", f"t{index}")]
    return select(*columns).select_from(rows.source).where(*rows.conditions).cte("facts")


@lru_cache(maxsize=4096)
def _typed(value: JsonValue, view: str, name: str) -> Any:
    """``value``'s ``view`` (number, kind or text) labelled ``name``, built once."""
    return getattr(value, view).label(name)


@lru_cache(maxsize=256)
def _figures(numbers: int, counted: tuple[tuple[str, ...], ...], with_children: bool) -> Any:
    """:func:`_branches` as a subquery named ``figures``, built once per shape."""
    return text(_branches(numbers, counted, with_children)).columns().subquery("figures")


@lru_cache(maxsize=256)
def _branches(numbers: int, counted: tuple[tuple[str, ...], ...], with_children: bool) -> str:
    """The ``UNION ALL`` of the branches over ``facts``: ``(tag, key, key2, records,
    figures...)``; ``counted`` holds the JSON types each counted field counts.

    Plain SQL text, the same on both databases: built from column numbers and fixed
    words only, once per shape. As SQLAlchemy constructs the branches cost more than
    running a practice's statement.
    """
    figures = ", ".join(f"count(n{i}), sum(n{i}), min(n{i}), max(n{i})" for i in range(numbers))
    blank = ", ".join(["NULL"] * numbers * STATS)

    def branch(tag: str, keys: str, stats: str, rest: str) -> str:
        return f"SELECT '{tag}', {keys}, count(*){', ' + stats if stats else ''} FROM facts{rest}"

    if with_children:
        group = branch(
            "group", "CAST(child AS VARCHAR(20)), period", figures, " GROUP BY child, period"
        )
    else:
        group = branch("group", "NULL, period", figures, " GROUP BY period")
    branches = [group, branch("org", "ods, NULL", blank, " GROUP BY ods")]
    for index, kinds in enumerate(counted):
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        where = f" WHERE k{index} IN ({listed}) GROUP BY k{index}, t{index}"
        branches.append(branch(f"v{index}", f"k{index}, t{index}", blank, where))
    return " UNION ALL ".join(branches)
