"""Automatic dashboard widgets, each computed by one aggregate query over record data.

Record data is JSON (JSONB on PostgreSQL). The two databases read JSON differently,
so :class:`JsonValue` gives the few typed views the widgets need (its JSON type, its
text, its number) with one branch per dialect; the builders above it are shared.

Values are typed by their JSON type, never by coercion: the string ``"5"`` is not
a number and ``"true"`` is not a boolean, so values of the wrong type are ignored.
Fields inside repeating sections (``/courses/-/completed``) and the items of
multi-select fields are reached by joining the array's elements
(``json_each`` on SQLite, ``jsonb_array_elements`` on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Numeric,
    String,
    Subquery,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import Session

from miniapps.core.errors import pointer_parts
from miniapps.core.schema_fields import Field
from miniapps.models import Organisation, Record

# JSON types as both dialects are normalised to report them.
NUMBER, STRING, BOOLEAN = "number", "string", "boolean"


@dataclass(frozen=True)
class JsonValue:
    """One JSON value reached in SQL, seen through dialect-neutral typed views."""

    kind: ColumnElement[Any]  # "number", "string", "boolean", or another JSON type / NULL
    text: ColumnElement[Any]  # strings as they are, numbers as written, "true"/"false"
    number: ColumnElement[Any]  # the numeric value where kind is "number", else NULL


def _sqlite_path(tokens: list[str]) -> str:
    return "$" + "".join('."' + token.replace('"', '\\"') + '"' for token in tokens)


def _sqlite_value(raw_type: ColumnElement[Any], raw: ColumnElement[Any]) -> JsonValue:
    """From SQLite's ``json_type`` names and the SQL value (booleans come back as 1/0)."""
    kind = case(
        (raw_type.in_(("integer", "real")), NUMBER),
        (raw_type.in_(("true", "false")), BOOLEAN),
        (raw_type == "text", STRING),
        else_=raw_type,
    )
    text = case(
        (raw_type == "true", "true"),
        (raw_type == "false", "false"),
        else_=cast(raw, String),
    )
    return JsonValue(kind, text, case((kind == NUMBER, raw)))


def _postgres_value(value: ColumnElement[Any]) -> JsonValue:
    kind = func.jsonb_typeof(value)
    text = value.op("#>>")(literal_column("'{}'"))  # the scalar's text, unquoted
    return JsonValue(kind, text, case((kind == NUMBER, cast(text, Numeric))))


@dataclass
class _Document:
    """Where the remaining path is read from: the record's data or one array item."""

    expr: ColumnElement[Any]
    item: FromClause | None = None  # the json_each / jsonb_array_elements row, if an item


class WidgetQuery:
    """The submitted records of one app within a scope and period range, ready to aggregate.

    ``scope`` is a SQL condition on :class:`Organisation`; periods compare as strings
    (inclusive) and must be in the stored periods' format. Records without a period
    count only when neither bound is given.
    """

    def __init__(
        self,
        session: Session,
        app_id: str,
        scope: ColumnElement[bool],
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.conditions: list[ColumnElement[bool]] = [
            Record.app_id == app_id,
            Record.status != "draft",
            scope,
        ]
        if period_from:
            self.conditions.append(Record.period >= period_from)
        if period_to:
            self.conditions.append(Record.period <= period_to)

    def records(self) -> FromClause:
        return Record.__table__.join(
            Organisation.__table__, Record.organisation_id == Organisation.id
        )

    def values(self, field: Field) -> tuple[FromClause, JsonValue]:
        """Every value of ``field`` across the records (one row per array item where the
        field is inside a repeating section, or is a multi-select)."""
        segments = self.segments(field)
        source, document = self.walk(segments[:-1])
        return source, self.read(document, segments[-1])

    def segments(self, field: Field) -> list[list[str]]:
        """The field's pointer split at each array: every segment but the last names an
        array whose items the rest is read from; the last is the path to the value."""
        segments: list[list[str]] = [[]]
        for token in pointer_parts(field.pointer):
            if token == "-":
                segments.append([])
            else:
                segments[-1].append(token)
        if field.kind == "multi_enum":
            segments.append([])  # the selected values are the items of the array itself
        return segments

    def walk(self, arrays: list[list[str]]) -> tuple[FromClause, _Document]:
        """The records joined to the items of each array in turn, and the innermost
        document the remaining path is read from."""
        source = self.records()
        document = _Document(Record.data)
        for number, tokens in enumerate(arrays):
            item = self._items(document, tokens, f"item{number}")
            source = source.join(item, true())
            document = self._item_document(item)
        return source, document

    def read(self, document: _Document, tokens: list[str]) -> JsonValue:
        """The value at ``tokens`` in ``document`` (a record's data or an array item)."""
        return self._read(document, tokens)

    def numbers(
        self,
        fields: Sequence[Field],
        extra: Sequence[ColumnElement[Any]] = (),
        where: Sequence[ColumnElement[bool]] = (),
        join: Callable[[FromClause], FromClause] | None = None,
    ) -> list[tuple[Subquery, list[tuple[Field, ColumnElement[Any]]]]]:
        """The numeric values of several number fields, each read once per row.

        Fields reached through the same arrays share one subquery (usually all of them:
        the record's own fields), with one named column per field (``n0``, ``n1``...)
        beside the labelled ``extra`` columns; aggregate those columns outside. ``join``
        extends the source (for instance with the organisation to group under) and
        ``where`` adds conditions to the query's own.
        """
        groups: dict[tuple[tuple[str, ...], ...], list[tuple[Field, list[str]]]] = {}
        for field in fields:
            segments = self.segments(field)
            arrays = tuple(tuple(tokens) for tokens in segments[:-1])
            groups.setdefault(arrays, []).append((field, segments[-1]))
        result = []
        for arrays, members in groups.items():
            source, document = self.walk([list(tokens) for tokens in arrays])
            if join is not None:
                source = join(source)
            columns = [
                self.read(document, tokens).number.label(f"n{index}")
                for index, (_, tokens) in enumerate(members)
            ]
            rows = (
                select(*extra, *columns)
                .select_from(source)
                .where(*self.conditions, *where)
                # OFFSET 0 keeps the subquery from being merged into the aggregate above,
                # which would evaluate the JSON extraction once per aggregate again.
                .offset(0)
                .subquery("numbers")
            )
            named = [(field, rows.c[f"n{index}"]) for index, (field, _) in enumerate(members)]
            result.append((rows, named))
        return result

    def _items(self, document: _Document, tokens: list[str], name: str) -> FromClause:
        """The elements of the array at ``tokens`` (none when it is not an array)."""
        if self.dialect == "postgresql":
            array = _pg_extract(document.expr, tokens)
            guarded = case((func.jsonb_typeof(array) == "array", array))
            return func.jsonb_array_elements(guarded).table_valued("value", name=name)
        path = _sqlite_path(tokens)
        guarded = case(
            (func.json_type(document.expr, path) == "array", func.json_extract(document.expr, path))
        )
        return func.json_each(guarded).table_valued("value", "type", "atom", name=name)

    def _item_document(self, item: FromClause) -> _Document:
        if self.dialect == "postgresql":
            return _Document(item.c.value, item)
        # json_each gives JSON text only for objects and arrays: never parse a scalar's text.
        return _Document(case((item.c.type.in_(("object", "array")), item.c.value)), item)

    def _read(self, document: _Document, tokens: list[str]) -> JsonValue:
        if self.dialect == "postgresql":
            return _postgres_value(_pg_extract(document.expr, tokens))
        if not tokens and document.item is not None:
            return _sqlite_value(document.item.c.type, document.item.c.atom)
        path = _sqlite_path(tokens)
        return _sqlite_value(
            func.json_type(document.expr, path), func.json_extract(document.expr, path)
        )


def _pg_extract(expr: ColumnElement[Any], tokens: list[str]) -> ColumnElement[Any]:
    return func.jsonb_extract_path(expr, *tokens) if tokens else expr


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
    """count, sum, mean, min and max of a numeric column (NULLs ignored)."""
    return [
        func.count(column),
        func.sum(column),
        func.avg(column),
        func.min(column),
        func.max(column),
    ]


def summary_data(count: Any, total: Any, mean: Any, low: Any, high: Any) -> dict[str, Any]:
    """The ``number_summary`` data from the five aggregates of :func:`number_stats`."""
    return {
        "count": int(count),
        "sum": plain_number(total) if count else 0,
        "mean": round(float(mean), 4) if count else None,
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
            data = summary_data(*values[index * 5 : index * 5 + 5])
            widgets[field.pointer] = _field_widget(field, "number_summary", data)
    return [widgets[field.pointer] for field in fields]


def build_value_counts(query: WidgetQuery, field: Field | None = None) -> dict[str, Any]:
    """``value_counts``: how many times each value of an enum, multi-select or boolean occurs.

    Keys are the values' text (``"true"``/``"false"`` for booleans), declared choices
    first in their order. Values of another JSON type than the choices are ignored;
    values of the right type that are no longer a choice (older versions) are kept.
    """
    assert field is not None
    choices = [True, False] if field.kind == BOOLEAN else [v for v, _ in field.choices]
    kinds = {_json_kind(choice) for choice in choices} - {None}
    source, value = query.values(field)
    seen = (
        select(value.kind.label("kind"), value.text.label("text"))
        .select_from(source)
        .where(*query.conditions, value.kind.in_(sorted(kinds)))
        .subquery()  # group on named columns: PostgreSQL will not match repeated bind params
    )
    rows = query.session.execute(
        select(seen.c.kind, seen.c.text, func.count()).group_by(seen.c.kind, seen.c.text)
    ).all()
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
