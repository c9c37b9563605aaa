"""Automatic dashboard widgets, each computed by one aggregate query over record data.

The records and their typed JSON values come from
:class:`~miniapps.services.dashboards.query.WidgetQuery` (re-exported here); the builders
below are shared by both databases. Values of the wrong JSON type are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select

from miniapps.core.definitions.schema_fields import Field
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.query import (
    BOOLEAN,
    NUMBER,
    STRING,
    JsonValue,
    PlainRows,
    WidgetQuery,
)

__all__ = [
    "BOOLEAN",
    "NUMBER",
    "STRING",
    "WIDGET_TYPES",
    "JsonValue",
    "PlainRows",
    "WidgetQuery",
    "build_number_summaries",
    "build_records",
    "build_value_counts",
    "choice_key",
    "counted_kinds",
    "field_choices",
    "mean_of",
    "number_stats",
    "plain_number",
    "summary_data",
    "value_counts_widget",
]


def plain_number(value: Any) -> int | float | None:
    """A JSON-friendly number: ints stay ints, exact decimals without a fraction become ints."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return round(float(value), 10)
    if isinstance(value, int):
        return value
    return round(float(value), 10)  # hides float noise such as 0.30000000000000004


def build_records(query: WidgetQuery, field: Field | None = None) -> dict[str, Any]:
    """``records``: how many submitted records, in total and by organisation ODS code."""
    rows = query.session.execute(
        select(Organisation.ods, func.count(Record.id))
        .select_from(query.records())
        .where(*query.conditions)
        .group_by(Organisation.ods)
        .order_by(Organisation.ods)
    ).all()
    by_org = {ods: int(count) for ods, count in rows}
    data = {"total": sum(by_org.values()), "by_org": by_org}
    return {"id": "records", "type": "records", "title": "Records", "data": data}


def build_number_summary(query: WidgetQuery, field: Field | None = None) -> dict[str, Any]:
    """``number_summary``: count, sum, mean, min and max of a number field's numeric values."""
    assert field is not None
    return build_number_summaries(query, [field])[0]


def number_stats(column: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """count, sum, min and max of a numeric column (NULLs ignored); the mean is
    :func:`mean_of` the count and sum."""
    return [func.count(column), func.sum(column), func.min(column), func.max(column)]


def mean_of(count: Any, total: Any) -> float | None:
    """``total / count`` rounded to 4 decimals (None without values).

    Divided in Python rather than by SQL's ``avg`` so that sums added up from several
    groups give the same mean, and so that both databases agree: the sum is exact (a
    ``Decimal`` on PostgreSQL, an integer or float on SQLite), where SQLite's ``avg``
    of integers above 2**53 is not. Otherwise it is ``round(avg, 4)`` on both.
    """
    return round(float(total / count), 4) if count else None


def summary_data(count: Any, total: Any, low: Any, high: Any) -> dict[str, Any]:
    """The ``number_summary`` data from the four aggregates of :func:`number_stats`."""
    return {
        "count": int(count),
        "sum": plain_number(total) if count else 0,
        "mean": mean_of(count, total),
        "min": plain_number(low),
        "max": plain_number(high),
    }


def build_number_summaries(query: WidgetQuery, fields: Sequence[Field]) -> list[dict[str, Any]]:
    """The ``number_summary`` widgets of several number fields, in their order, computed
    together: one statement for all the fields reached through the same arrays."""
    widgets: dict[str, dict[str, Any]] = {}
    for rows, named in query.numbers(fields):
        stats = [stat for _, column in named for stat in number_stats(column)]
        values = query.session.execute(select(*stats).select_from(rows)).one()
        for index, (field, _) in enumerate(named):
            data = summary_data(*values[index * 4 : index * 4 + 4])
            widgets[field.pointer] = _field_widget(field, "number_summary", data)
    return [widgets[field.pointer] for field in fields]


def build_value_counts(query: WidgetQuery, field: Field | None = None) -> dict[str, Any]:
    """``value_counts``: how many times each value of an enum, multi-select or boolean occurs.

    Keys are the values' text (``"true"``/``"false"`` for booleans), declared choices
    first in their order. Values of another JSON type than the choices are ignored;
    values of the right type that are no longer a choice (older versions) are kept.
    """
    assert field is not None
    source, value = query.values(field)
    seen = (
        select(value.kind.label("kind"), value.text.label("text"))
        .select_from(source)
        .where(*query.conditions, value.kind.in_(counted_kinds(field)))
        .subquery()  # group on named columns: PostgreSQL will not match repeated bind params
    )
    rows = query.session.execute(
        select(seen.c.kind, seen.c.text, func.count()).group_by(seen.c.kind, seen.c.text)
    ).all()
    return value_counts_widget(field, rows)


def _choices(field: Field) -> list[Any]:
    return [True, False] if field.kind == BOOLEAN else [v for v, _ in field.choices]


def field_choices(field: Field) -> list[tuple[str, Any]]:
    """``field``'s choices that ``value_counts`` can count, each with its JSON type."""
    typed = [(_json_kind(choice), choice) for choice in _choices(field)]
    return [(kind, choice) for kind, choice in typed if kind is not None]


def counted_kinds(field: Field) -> list[str]:
    """The JSON types ``value_counts`` counts for ``field``: those of its choices."""
    return sorted({kind for kind in map(_json_kind, _choices(field)) if kind is not None})


def value_counts_widget(field: Field, rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """The ``value_counts`` widget from ``(JSON type, text, count)`` rows of values of
    the :func:`counted_kinds`."""
    choices = _choices(field)
    counts: dict[str, int] = {}
    for kind, text, count in rows:
        key = _choice_key(kind, text, choices)
        counts[key] = counts.get(key, 0) + int(count)
    order = [choice_key(choice) for choice in choices]
    ordered = {key: counts[key] for key in order if key in counts}
    extras = sorted((k for k in counts if k not in ordered), key=lambda k: (-counts[k], k))
    ordered.update({key: counts[key] for key in extras})
    return _field_widget(field, "value_counts", {"counts": ordered})


def choice_key(value: Any) -> str:
    """The counts key of a JSON value: strings as they are, others as JSON (``true``, ``2``)."""
    return value if isinstance(value, str) else json.dumps(value)


def _json_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    return None


def _choice_key(kind: str, text: str, choices: list[Any]) -> str:
    """Map a stored number's text (``2.0``) onto the declared choice it equals (``2``)."""
    if kind == NUMBER:
        for choice in choices:
            if _json_kind(choice) == NUMBER and float(choice) == float(text):
                return choice_key(choice)
    return text


def _field_widget(field: Field, widget_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": field.pointer, "type": widget_type, "title": field.title, "data": data}


WidgetBuilder = Callable[[WidgetQuery, Field | None], dict[str, Any]]

# The automatic widget types. Widgets declared in a definition's ``dashboard``
# (metric, chart, table, indicator, map) are a separate registry, built on these queries.
WIDGET_TYPES: dict[str, WidgetBuilder] = {
    "records": build_records,
    "number_summary": build_number_summary,
    "value_counts": build_value_counts,
}
