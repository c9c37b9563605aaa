"""PostgreSQL's roll-up statement when the scope's organisations hold few records each.

Grouping the records into cells by organisation and period first (:mod:`rollup_sql`)
pays when a cell holds many records; an indicator app holding one record per practice
and month makes about as many cells as records, so every figure is aggregated twice
(at an ICB of a national table, twice the time of one aggregate). Then ``facts`` (one
typed row per record, with its organisation's ODS code and the child it lies under) is
materialised and grouped by each branch instead: ``group`` (by child and period) and
``org`` (by ODS code) as the cells give them, without the counts, and per counted field a
``v<j>`` branch of ``(JSON type, text, count)`` rows of its values.
:meth:`~miniapps.services.dashboards.scoped_records.ScopedRecords.many_per_organisation`
decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, literal_column, select, text

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation
from miniapps.services.dashboards import rollup_sql
from miniapps.services.dashboards.trends import period_of_record
from miniapps.services.dashboards.widgets import WidgetQuery, counted_kinds


def by_record_statement(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    children: Sequence[Organisation],
    parent: Organisation | None,
) -> Select[Any]:
    """The statement, rows as :func:`~miniapps.services.dashboards.rollup_sql.rollup_statement`
    gives them but without the counts in the ``group`` rows, and with ``v<j>`` rows."""
    typed = _facts(query, periodic, numbers, counted, children, parent)
    child_key = None if not children else "path" if parent is not None else "id"
    by_field = tuple(tuple(counted_kinds(answer)) for answer in counted)
    branches = _figures(len(numbers), by_field, child_key)
    return select(literal_column("*")).select_from(branches).add_cte(typed.cte("facts"))


def _facts(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    children: Sequence[Organisation],
    parent: Organisation | None,
) -> Select[Any]:
    """One row per record: its organisation's ODS code, its period, the child it lies
    under (when there are children to compare), each number and each counted field's
    JSON type and text."""
    source = query.records()
    keys: list[Any] = [
        Organisation.ods.label("ods"),
        period_of_record(query, periodic).label("period"),
    ]
    if children and parent is not None:
        keys.append(rollup_sql.child_path(query, parent).label("child"))
    elif children:
        ids = [o.id for o in children]
        under = and_(rollup_sql.UNDER_CHILD, query.id_in(rollup_sql.CHILD.id, ids))
        source = source.outerjoin(rollup_sql.CHILD, under)
        keys.append(rollup_sql.CHILD.id.label("child"))
    rows = query.plain_rows([*numbers, *counted], keys, source)
    values = rows.values
    columns = list(rows.keys)
    columns += [value.number.label(f"n{i}") for i, value in enumerate(values[: len(numbers)])]
    for index, value in enumerate(values[len(numbers) :]):
        columns += [value.kind.label(f"k{index}"), value.text.label(f"t{index}")]
    return select(*columns).select_from(rows.source).where(*rows.conditions)


@lru_cache(maxsize=256)
def _figures(numbers: int, counted: tuple[tuple[str, ...], ...], child_key: str | None) -> Any:
    """The ``UNION ALL`` of the branches over ``facts`` as a subquery named ``figures``,
    built once per shape (plain SQL text from column numbers and fixed words only)."""
    stats = rollup_sql.STATS
    figures = ", ".join(f"count(n{i}), sum(n{i}), min(n{i}), max(n{i})" for i in range(numbers))
    blank = ", ".join(["NULL"] * numbers * stats)

    def branch(tag: str, keys: str, aggregates: str, rest: str) -> str:
        more = f", {aggregates}" if aggregates else ""
        return f"SELECT '{tag}', {keys}, count(*){more} FROM facts{rest}"

    key, grouped = rollup_sql.child_group(child_key)
    branches = [
        branch("group", f"{key}, period", figures, f" GROUP BY {grouped}"),
        branch("org", "ods, NULL", blank, " GROUP BY ods"),
    ]
    for index, kinds in enumerate(counted):
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        where = f" WHERE k{index} IN ({listed}) GROUP BY k{index}, t{index}"
        branches.append(branch(f"v{index}", f"k{index}, t{index}", blank, where))
    return text(" UNION ALL ".join(branches)).columns().subquery("figures")
