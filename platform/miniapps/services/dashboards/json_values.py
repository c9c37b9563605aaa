"""JSON values of record data as typed SQL expressions, one branch per database.

:class:`JsonValue` gives the few typed views the widgets need (a value's JSON type, its
text, its number). Values are typed by their JSON type, never by coercion: the string
``"5"`` is not a number and ``"true"`` is not a boolean.

Building these expressions costs more Python than running a small dashboard's SQL, so
those that depend only on a path are built once and reused (SQL expressions are
immutable).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    SQLColumnExpression,
    String,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
)

from miniapps.models import Record

# JSON types as both dialects are normalised to report them.
NUMBER, STRING, BOOLEAN = "number", "string", "boolean"
# The record's data, passed through the SQLite subquery of ``extracted_columns``.
DOCUMENT = "doc"


@dataclass(frozen=True)
class JsonValue:
    """One JSON value reached in SQL, seen through dialect-neutral typed views."""

    kind: ColumnElement[Any]  # "number", "string", "boolean", or another JSON type / NULL
    text: ColumnElement[Any]  # strings as they are, numbers as written, "true"/"false"
    number: ColumnElement[Any]  # the numeric value where kind is "number", else NULL


def sqlite_path(tokens: list[str]) -> str:
    """A SQLite JSON path to the member at ``tokens``."""
    return "$" + "".join('."' + token.replace('"', '\\"') + '"' for token in tokens)


def sqlite_value(raw_type: ColumnElement[Any], raw: ColumnElement[Any]) -> JsonValue:
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


def postgres_value(value: SQLColumnExpression[Any]) -> JsonValue:
    """From a ``jsonb`` value."""
    kind = func.jsonb_typeof(value)
    text = value.op("#>>")(literal_column("'{}'"))  # the scalar's text, unquoted
    # jsonb numbers are numerics already: cast the value itself, not its text.
    return JsonValue(kind, text, case((kind == NUMBER, cast(value, Numeric))))


def pg_extract(expr: SQLColumnExpression[Any], tokens: list[str]) -> SQLColumnExpression[Any]:
    """The value at ``tokens``: ``->`` for one key (about a quarter cheaper per value than
    ``jsonb_extract_path``, which builds an array of its arguments on every call)."""
    if len(tokens) == 1:
        return expr.op("->")(literal(tokens[0], String))
    return func.jsonb_extract_path(expr, *tokens) if tokens else expr


@lru_cache(maxsize=4096)
def record_value(dialect: str, tokens: tuple[str, ...]) -> JsonValue:
    """The value at ``tokens`` in a record's own data."""
    if dialect == "postgresql":
        return postgres_value(pg_extract(Record.data, list(tokens)))
    path = sqlite_path(list(tokens))
    return sqlite_value(func.json_type(Record.data, path), func.json_extract(Record.data, path))


def _type_first(field_kind: str) -> bool:
    # A boolean's json_type says all there is (its SQL value is 1 or 0); for the other
    # kinds the SQL value usually does, and json_type is asked only when it cannot.
    return field_kind == "boolean"


@lru_cache(maxsize=4096)
def extracted_columns(
    dialect: str, field_kind: str, tokens: tuple[str, ...], index: int
) -> tuple[Any, ...]:
    """The columns a subquery reads the value at ``tokens`` in a record's data into, for
    :func:`extracted_value` to type outside it: each value read once per record.

    On PostgreSQL the ``jsonb`` value (``v<index>``). On SQLite one JSON function per
    value: ``json_type`` (``y<index>``) for a boolean field, ``json_extract``
    (``v<index>``) for the others; the subquery also passes the record's data on
    (:data:`DOCUMENT`) for the rare value the one function cannot type alone.
    """
    if dialect == "postgresql":
        return (pg_extract(Record.data, list(tokens)).label(f"v{index}"),)
    path = sqlite_path(list(tokens))
    if _type_first(field_kind):
        return (func.json_type(Record.data, path).label(f"y{index}"),)
    return (func.json_extract(Record.data, path).label(f"v{index}"),)


@lru_cache(maxsize=4096)
def extracted_value(
    dialect: str, field_kind: str, tokens: tuple[str, ...], index: int
) -> JsonValue:
    """The typed views of the columns of :func:`extracted_columns`, named without their
    table. The same views as :func:`record_value` for any data: on SQLite a value whose
    SQL value leaves its JSON type open (0 or 1, which may be a boolean; text starting
    with ``{`` or ``[``, which may be an object or array; NULL, which may be a JSON null
    or nothing) asks ``json_type`` of the passed-on data."""
    if dialect == "postgresql":
        return postgres_value(column(f"v{index}"))
    path = sqlite_path(list(tokens))
    document: ColumnElement[Any] = column(DOCUMENT)
    if _type_first(field_kind):
        return sqlite_value(column(f"y{index}"), func.json_extract(document, path))
    return _typed_by_value(column(f"v{index}"), func.json_type(document, path))


def _typed_by_value(value: ColumnElement[Any], asked: ColumnElement[Any]) -> JsonValue:
    """The views of SQLite's ``json_extract`` ``value``, asking ``json_type`` (``asked``)
    only where the value's SQL type leaves the JSON type open; each view built directly,
    so that no branch asks twice."""
    sql_type = func.typeof(value)  # CASE typeof(v) WHEN ...: evaluated once per row
    zero_or_one = value.in_((0, 1))
    bracketed = func.substr(value, 1, 1).in_(("{", "["))
    asked_kind = sqlite_value(asked, value).kind
    kind = case(
        {
            "integer": case((zero_or_one, asked_kind), else_=NUMBER),
            "real": NUMBER,
            "text": case((bracketed, asked_kind), else_=STRING),
        },
        value=sql_type,
        # NULL: a JSON null, or nothing there.
        else_=case((asked.is_not(None), "null")),
    )
    as_text = cast(value, String)
    text = case(
        (
            zero_or_one,  # 1 and 0 are also what json_extract makes of true and false
            case({"true": "true", "false": "false"}, value=asked, else_=as_text),
        ),
        else_=as_text,
    )
    number = case(
        {
            "integer": case((zero_or_one, case((asked == "integer", value))), else_=value),
            "real": value,
        },
        value=sql_type,
    )
    return JsonValue(kind, text, number)
