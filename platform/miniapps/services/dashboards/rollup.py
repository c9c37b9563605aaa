"""Every record-level figure of the automatic dashboard from one SQL statement.

The ``records`` widget, the ``number_summary`` and ``value_counts`` widgets of fields
with one value per record, ``records_by_period`` and the trends, and the breakdown by
child organisation all aggregate the same rows. Instead of one statement per widget
kind, each scanning the records and reading their JSON again, one statement
(:mod:`~miniapps.services.dashboards.rollup_sql`) reads every value once and groups
the records by child and period (``group`` rows: records, the figures of each number,
the choice counts) and by organisation (``org`` rows: records); on PostgreSQL, when the
organisations hold few records each, by each counted field's values as well (``v<j>``
rows, :mod:`~miniapps.services.dashboards.rollup_by_record`).

The totals, the trends (by period), the breakdown (by child) and the value counts are
sums of the ``group`` rows, added up in Python: there are at most (children + 1) x
(periods + 1) of them. Means are ``sum / count`` of those exact sums
(:func:`~miniapps.services.dashboards.widgets.mean_of`), as in the per-kind builders of
:mod:`~miniapps.services.dashboards.widgets` and :mod:`~miniapps.services.dashboards.trends`,
which still serve fields inside repeating sections and multi-selects (one row per item),
and the value counts of a field holding values that are not one of its choices;
``tests/services/dashboards/test_dashboard_rollup.py`` checks that both give the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation
from miniapps.services.dashboards.rollup_by_record import by_record_statement
from miniapps.services.dashboards.rollup_sql import (
    STATS,
    child_paths,
    counted_choices,
    rollup_statement,
)
from miniapps.services.dashboards.trends import (
    Breakdown,
    number_by_org_widget,
    period_figures,
    records_by_org_widget,
    records_by_period_widget,
    trend_widget,
)
from miniapps.services.dashboards.widgets import (
    WidgetQuery,
    build_value_counts,
    summary_data,
    value_counts_widget,
)


@dataclass
class Facts:
    """The rows of the statement by tag: ``(child id, period, row)`` per group, where
    ``row`` is ``(records, figures...)``; records by ODS code; ``(JSON type, text,
    count)`` rows of the choices per counted field (added up from the groups), and the
    counted fields (by index) that also hold values that are not one of their choices."""

    groups: list[tuple[int | None, str | None, Sequence[Any]]] = field(default_factory=list)
    by_org: dict[str, int] = field(default_factory=dict)
    counts: dict[int, list[tuple[Any, Any, Any]]] = field(default_factory=dict)
    unmatched: set[int] = field(default_factory=set)


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
    parent = breakdown.parent if breakdown is not None else None
    facts = read_facts(query, periodic, numbers, counted, children, parent)
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
        if index in facts.unmatched:  # values beside the choices: grouped by their own statement
            widgets[answer.pointer] = build_value_counts(query, answer)
        else:
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
    parent: Organisation | None = None,
) -> Facts:
    """Run the one statement (:func:`~miniapps.services.dashboards.rollup_sql.rollup_statement`)
    and sort its rows by tag. ``parent``: the organisation the ``children`` are the
    children of, if they are."""
    by_path = child_paths(parent, children)
    by_cells = query.dialect != "postgresql" or query.many_per_organisation()
    build = rollup_statement if by_cells else by_record_statement
    statement = build(query, periodic, numbers, counted, children, parent if by_path else None)
    width = 1 + len(numbers) * STATS
    choices = [counted_choices(answer) for answer in counted]
    counts = [0] * sum(len(pairs) + 1 for pairs in choices) if by_cells else []
    found = Facts()
    for tag, key, key2, *row in query.session.execute(statement).all():
        if tag == "group":
            child = by_path.get(key) if by_path else None if key is None else int(key)
            found.groups.append((child, key2, row[:width]))
            counts = [total + int(count) for total, count in zip(counts, row[width:], strict=True)]
        elif tag == "org":
            found.by_org[key] = int(row[0])
        else:  # by record: a counted field's values, grouped by their own branch
            found.counts.setdefault(int(tag[1:]), []).append((key, key2, row[0]))
    if not by_cells:
        return found
    at = 0
    for index, pairs in enumerate(choices):
        held, at = counts[at : at + len(pairs)], at + len(pairs) + 1
        found.counts[index] = [(*pair, n) for pair, n in zip(pairs, held, strict=True) if n]
        if counts[at - 1] > sum(held):
            found.unmatched.add(index)
    return found
