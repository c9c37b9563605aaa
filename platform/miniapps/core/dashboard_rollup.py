"""Every record-level figure of the automatic dashboard from one SQL statement.

The ``records`` widget, the ``number_summary`` and ``value_counts`` widgets of fields
with one value per record, ``records_by_period`` and the trends, and the breakdown by
child organisation all aggregate the same rows. Instead of one statement per widget
kind, each scanning the records and reading their JSON again, one statement reads every
value once into a common table expression (``facts``: one row per record, which both
databases materialise because it is used more than once) and aggregates it several ways
joined by ``UNION ALL``, each branch tagged with what it groups by:

=========  ==========================  ================================================
tag        key                         figures
=========  ==========================  ================================================
``total``  -                           records; count, sum, mean, min, max per number
``org``    the organisation's ODS      records
``period`` the record's period         records; count, sum, mean per number
``child``  the child organisation's id records; the five figures per number
``v<j>``   JSON type, text             how many times the j-th counted field holds it
=========  ==========================  ================================================

The aggregates stay in SQL, so the figures are exactly those of the per-kind builders of
:mod:`~miniapps.core.dashboard_widgets` and :mod:`~miniapps.core.dashboard_trends`, which
still serve fields inside repeating sections and multi-selects (one row per item).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import CTE, and_, literal_column, select, text
from sqlalchemy.orm import aliased

from miniapps.core.dashboard_trends import (
    Breakdown,
    number_by_org_widget,
    period_figures,
    period_of_record,
    records_by_org_widget,
    records_by_period_widget,
    trend_widget,
)
from miniapps.core.dashboard_widgets import (
    WidgetQuery,
    counted_kinds,
    summary_data,
    value_counts_widget,
)
from miniapps.core.schema_fields import Field
from miniapps.models import Organisation

STATS = 5  # count, sum, mean, min, max (see number_stats)


@dataclass
class Facts:
    """The rows of the statement, sorted by tag: ``(records, figures...)`` per key."""

    total: Sequence[Any] = ()
    by_org: dict[str, int] = field(default_factory=dict)
    by_period: dict[str, Sequence[Any]] = field(default_factory=dict)
    by_child: dict[int, Sequence[Any]] = field(default_factory=dict)
    counts: dict[int, list[tuple[Any, Any, Any]]] = field(default_factory=dict)

    @staticmethod
    def stats(row: Sequence[Any], index: int) -> Sequence[Any]:
        """The count, sum, mean, min and max of the ``index``-th number in ``row``."""
        return row[1 + index * STATS : 1 + (index + 1) * STATS]


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
    total = int(facts.total[0])
    records = {"total": total, "by_org": dict(sorted(facts.by_org.items()))}
    widgets = {"records": {"id": "records", "type": "records", "title": "Records", "data": records}}
    periods = sorted(facts.by_period.items())
    widgets["records_by_period"] = records_by_period_widget((p, row[0]) for p, row in periods)
    for index, number in enumerate(numbers):
        summary = summary_data(*Facts.stats(facts.total, index))
        widgets[number.pointer] = {
            "id": number.pointer,
            "type": "number_summary",
            "title": number.title,
            "data": summary,
        }
        trend = [period_figures(p, *Facts.stats(row, index)[:3]) for p, row in periods]
        widgets[number.pointer + "#trend"] = trend_widget(number, trend)
    for index, answer in enumerate(counted):
        widgets[answer.pointer] = value_counts_widget(answer, facts.counts.get(index, []))
    if breakdown is not None and children:
        counts = {child: int(row[0]) for child, row in facts.by_child.items()}
        widgets["records#by_org"] = records_by_org_widget(breakdown, counts, total)
        for index, number in enumerate(numbers):
            found = {child: Facts.stats(row, index) for child, row in facts.by_child.items()}
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
    branches = text(_branches(len(numbers), kinds, bool(children))).columns().subquery("figures")
    statement = select(literal_column("*")).select_from(branches).add_cte(facts_cte)
    found = Facts()
    for tag, key, key2, *row in query.session.execute(statement):
        if tag == "total":
            found.total = row
        elif tag == "org":
            found.by_org[key] = int(row[0])
        elif tag == "period":
            found.by_period[key] = row
        elif tag == "child":
            found.by_child[int(key)] = row
        else:
            found.counts.setdefault(int(tag[1:]), []).append((key, key2, row[0]))
    return found


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
        child = aliased(Organisation, name="child_org")
        under = Organisation.path.startswith(child.path)
        source = source.outerjoin(child, and_(under, child.id.in_([o.id for o in children])))
        keys.append(child.id.label("child"))
    rows = query.plain_rows([*numbers, *counted], keys, source)
    columns = list(rows.keys)
    columns += [value.number.label(f"n{i}") for i, value in enumerate(rows.values[: len(numbers)])]
    for index, value in enumerate(rows.values[len(numbers) :]):
        columns += [value.kind.label(f"k{index}"), value.text.label(f"t{index}")]
    return select(*columns).select_from(rows.source).where(*rows.conditions).cte("facts")


@lru_cache(maxsize=256)
def _branches(numbers: int, counted: tuple[tuple[str, ...], ...], with_children: bool) -> str:
    """The ``UNION ALL`` of the branches over ``facts``: ``(tag, key, key2, records,
    figures...)``; ``counted`` holds the JSON types each counted field counts.

    Plain SQL text, the same on both databases: built from column numbers and fixed
    words only, once per shape. As SQLAlchemy constructs the branches cost more than
    running a practice's statement.
    """
    figures = ", ".join(
        f"count(n{i}), sum(n{i}), avg(n{i}), min(n{i}), max(n{i})" for i in range(numbers)
    )
    trends = ", ".join(f"count(n{i}), sum(n{i}), avg(n{i}), NULL, NULL" for i in range(numbers))
    blank = ", ".join(["NULL"] * numbers * STATS)

    def branch(tag: str, keys: str, stats: str, rest: str = "") -> str:
        return f"SELECT '{tag}', {keys}, count(*){', ' + stats if stats else ''} FROM facts{rest}"

    branches = [
        branch("total", "NULL, NULL", figures),
        branch("org", "ods, NULL", blank, " GROUP BY ods"),
        branch("period", "period, NULL", trends, " WHERE period IS NOT NULL GROUP BY period"),
    ]
    if with_children:
        child = "CAST(child AS VARCHAR(20)), NULL"
        branches.append(branch("child", child, figures, " WHERE child IS NOT NULL GROUP BY child"))
    for index, kinds in enumerate(counted):
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        where = f" WHERE k{index} IN ({listed}) GROUP BY k{index}, t{index}"
        branches.append(branch(f"v{index}", f"k{index}, t{index}", blank, where))
    return " UNION ALL ".join(branches)
