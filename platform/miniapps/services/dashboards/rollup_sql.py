"""The statement of the roll-up (:mod:`~miniapps.services.dashboards.rollup`).

``facts`` reads each record's values once and types them (one row per record), from the
records alone. The records are then grouped once, by organisation id and period, into
cells: records; count, sum, min and max of each number; and, per counted field, how many
records hold each of its choices and how many hold any value of the counted JSON types.
Only then is each cell joined to its organisation (its ODS code, and the child
organisation it lies under), making ``cells``: at most organisations x periods rows,
never more than the records. They are grouped again two ways joined by ``UNION ALL``,
each branch tagged:

=========  ==================================  ========================================
tag        key, key2                           figures
=========  ==================================  ========================================
``group``  child organisation, period          records; count, sum, min, max per number;
                                               the choice counts of each counted field
``org``    the organisation's ODS code, -      records
=========  ==================================  ========================================

One aggregation of the records, keyed by two short values, and no join per record. A
counted field holding values that are not one of its choices (an older version's) is
counted again by its own statement
(:func:`~miniapps.services.dashboards.widgets.build_value_counts`).

The same on both databases. PostgreSQL hashes the records into cells when it can
estimate how many records the scope holds, which the organisation ids written into the
statement let it do (:meth:`WidgetQuery.pin_organisations`); given them as an array it
sorted them, and a shape that grouped ``facts`` materialised once per branch was faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import aliased

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.trends import period_of_record
from miniapps.services.dashboards.widgets import (
    NUMBER,
    JsonValue,
    WidgetQuery,
    choice_key,
    counted_kinds,
    field_choices,
)

STATS = 4  # count, sum, min and max of each number in a group's row

# The child organisation above a record's organisation. SQL constructs are immutable, so
# the alias and its join condition are built once: ``startswith`` on a column alone cost
# more Python than a practice's statement.
CHILD = aliased(Organisation, name="child_org")
UNDER_CHILD = Organisation.path.startswith(CHILD.path)


def counted_choices(field: Field) -> tuple[tuple[str, str], ...]:
    """The ``(JSON type, text)`` of each of ``field``'s choices, as the typed views name
    the values that equal them, without repeats. Number choices are left out when two
    of them are the same number as floats (``value_counts`` maps a number to the first)."""
    typed = field_choices(field)
    numbers = [float(choice) for kind, choice in typed if kind == NUMBER]
    distinct = len(set(numbers)) == len(numbers)
    pairs = [(kind, choice_key(choice)) for kind, choice in typed if distinct or kind != NUMBER]
    return tuple(dict.fromkeys(pairs))


def child_paths(parent: Organisation | None, children: Sequence[Organisation]) -> dict[str, int]:
    """The children's ids by path when each path is the parent's and one more id (as
    materialised paths are), so that the child above a record's organisation is the
    first segment of its path after the parent's; else empty."""
    if parent is None or not children:
        return {}
    depth = parent.path.count("/") + 1
    if any(not o.path.startswith(parent.path) or o.path.count("/") != depth for o in children):
        return {}
    return {o.path: o.id for o in children}


def rollup_statement(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
    children: Sequence[Organisation],
    parent: Organisation | None,
) -> Select[Any]:
    """The one statement: ``(tag, key, key2, records, figures..., counts...)`` rows, the
    children's key their path when ``parent`` is given (see :func:`child_paths`), else
    their id (None: no children to compare). ``counts``: per counted field, the records
    holding each of its :func:`counted_choices`, then those holding any value of its
    :func:`~miniapps.services.dashboards.widgets.counted_kinds`."""
    facts = _facts(query, periodic, numbers, counted).offset(0).subquery("facts")
    stats: list[Any] = [func.count().label("r")]
    for index in range(len(numbers)):
        number = facts.c[f"n{index}"]
        stats += [
            func.count(number).label(f"c{index}"),
            func.sum(number).label(f"s{index}"),
            func.min(number).label(f"lo{index}"),
            func.max(number).label(f"hi{index}"),
        ]
    shape = []
    for index, answer in enumerate(counted):
        kind, value_text = facts.c[f"k{index}"], facts.c[f"t{index}"]
        choices = counted_choices(answer)
        for at, (choice_kind, choice_text) in enumerate(choices):
            if choice_kind == NUMBER:  # any number equal to it: 2.0 counts as the choice 2
                number = facts.c[f"m{index}"]
                holds = number == cast(literal(choice_text, String), Numeric)
            else:
                holds = and_(kind == choice_kind, value_text == choice_text)
            stats.append(func.count(case((holds, 1))).label(f"x{index}_{at}"))
        kinds = counted_kinds(answer)
        any_kind = func.count(case((kind.in_(kinds), 1))) if kinds else literal(0)
        stats.append(any_kind.label(f"a{index}"))
        shape.append(len(choices))
    keys = [facts.c.org, facts.c.period]
    by_org = select(*keys, *stats).group_by(*keys).subquery("by_org")
    cells = _named_cells(query, by_org, children, parent).cte("cells")
    child_key = None if not children else "path" if parent is not None else "id"
    branches = _figures(len(numbers), tuple(shape), child_key)
    return select(literal_column("*")).select_from(branches).add_cte(cells)


def _named_cells(
    query: WidgetQuery,
    by_org: Subquery,
    children: Sequence[Organisation],
    parent: Organisation | None,
) -> Select[Any]:
    """The cells grouped by organisation id and period, each joined to its organisation:
    its ODS code and, with children to compare, the child it lies under (by
    :func:`child_path` under ``parent``, else joined by id)."""
    # The scope again (it holds for every cell): the database then reads the scope's few
    # organisations from their index to join, not every organisation.
    source = by_org.join(Organisation, and_(Organisation.id == by_org.c.org, query.scope))
    keys: list[Any] = [Organisation.ods.label("ods")]
    if children and parent is not None:
        keys.append(child_path(query, parent).label("child"))
    elif children:
        ids = [o.id for o in children]
        source = source.outerjoin(CHILD, and_(UNDER_CHILD, query.id_in(CHILD.id, ids)))
        keys.append(CHILD.id.label("child"))
    figures = [column for column in by_org.c if column.name != "org"]
    return select(*keys, *figures).select_from(source)


def child_path(query: WidgetQuery, parent: Organisation) -> ColumnElement[Any]:
    """SQL: a cell's organisation's path up to the first "/" after the parent's path (the
    path of the child it is under, its own path when it is a child, the parent's when it
    is the parent). String functions on a column already read: the join to the children
    it replaces tested ``LIKE`` against each child for every cell."""
    path = Organisation.path
    after = func.substr(path, len(parent.path) + 1)
    slash = func.strpos(after, "/") if query.dialect == "postgresql" else func.instr(after, "/")
    return func.substr(path, 1, len(parent.path) + slash)


def _facts(
    query: WidgetQuery,
    periodic: bool,
    numbers: Sequence[Field],
    counted: Sequence[Field],
) -> Select[Any]:
    """One row per record, read from the records alone (their organisations are joined to
    the few cells instead, see :meth:`WidgetQuery.record_conditions`): its organisation's
    id, its period, each number, and each counted field's JSON type and text (and its
    number, for number choices)."""
    keys = [
        Record.organisation_id.label("org"),
        period_of_record(query, periodic).label("period"),
    ]
    source = Record.__table__
    rows = query.plain_rows([*numbers, *counted], keys, source, query.record_conditions())
    columns = list(rows.keys)
    columns += [
        _typed(value, "number", f"n{i}") for i, value in enumerate(rows.values[: len(numbers)])
    ]
    for index, value in enumerate(rows.values[len(numbers) :]):
        columns += [_typed(value, "kind", f"k{index}"), _typed(value, "text", f"t{index}")]
        if any(kind == NUMBER for kind, _ in counted_choices(counted[index])):
            columns.append(_typed(value, "number", f"m{index}"))  # for the choice counts
    return select(*columns).select_from(rows.source).where(*rows.conditions)


@lru_cache(maxsize=4096)
def _typed(value: JsonValue, view: str, name: str) -> Any:
    """``value``'s ``view`` (number, kind or text) labelled ``name``, built once."""
    return getattr(value, view).label(name)


@lru_cache(maxsize=256)
def _figures(numbers: int, shape: tuple[int, ...], child_key: str | None) -> Any:
    """The branches (:func:`_cell_branches`) as a subquery named ``figures``, built once
    per shape."""
    return text(_cell_branches(numbers, shape, child_key)).columns().subquery("figures")


def child_group(child_key: str | None) -> tuple[str, str]:
    """The ``group`` branch's key and ``GROUP BY`` (see :func:`_cell_branches`)."""
    if child_key is None:
        return "NULL", "period"
    return ("child" if child_key == "path" else "CAST(child AS VARCHAR(20))"), "child, period"


def _cell_branches(numbers: int, shape: tuple[int, ...], child_key: str | None) -> str:
    """The ``UNION ALL`` of the branches over ``cells``: ``(tag, key, key2, records,
    figures..., counts...)``; ``shape`` holds how many choices each counted field has;
    ``child_key`` says what ``cells.child`` holds: the child's ``path``, its ``id``, or
    nothing (None: no children to compare).

    Plain SQL text, the same on both databases: built from column numbers and fixed
    words only, once per shape. As SQLAlchemy constructs the branches cost more than
    running a practice's statement. Counts are added up as ``BIGINT``.
    """

    def added(name: str) -> str:
        return f"CAST(sum({name}) AS BIGINT)"

    figures = [f"{added(f'c{i}')}, sum(s{i}), min(lo{i}), max(hi{i})" for i in range(numbers)]
    counts = [
        added(name)
        for index, choices in enumerate(shape)
        for name in [*(f"x{index}_{at}" for at in range(choices)), f"a{index}"]
    ]
    group_figures = ", ".join([added("r"), *figures, *counts])
    blank = ", ".join([added("r")] + ["NULL"] * (numbers * STATS + len(counts)))
    key, grouped = child_group(child_key)
    group = f"SELECT 'group', {key}, period, {group_figures} FROM cells GROUP BY {grouped}"
    return f"{group} UNION ALL SELECT 'org', ods, NULL, {blank} FROM cells GROUP BY ods"
