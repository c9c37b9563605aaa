"""Summed indicator counts over records, in SQL (SQLite and PostgreSQL alike).

Reads record data through :class:`~miniapps.services.dashboards.widgets.WidgetQuery`; one
statement for all top-level pointers, one per pointer into a repeating section.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, FromClause, func, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.indicators.arithmetic import Counts, IndicatorSpec
from miniapps.core.pointers import pointer_parts
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.widgets import JsonValue, WidgetQuery

# {group key: {pointer: (sum, values counted, records counted)}}
Sums = dict[Any, dict[str, tuple[Any, int, int]]]


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


def indicator_sums(
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
    plain: list[tuple[str, FromClause, JsonValue]] = []
    itemised: list[tuple[str, FromClause, JsonValue]] = []
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
        columns: list[ColumnElement[Any]] = [func.count(Record.id)]
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


def counts_of(spec: IndicatorSpec, sums: dict[str, tuple[Any, int, int]]) -> Counts:
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
