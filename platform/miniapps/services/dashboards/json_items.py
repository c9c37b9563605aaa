"""The items of arrays in record data, and values read from a record or from one item.

Fields inside repeating sections (``/courses/-/completed``) and the items of multi-select
fields are reached by joining the array's elements (``json_each`` on SQLite,
``jsonb_array_elements`` on PostgreSQL) to the records;
:meth:`~miniapps.services.dashboards.query.WidgetQuery.walk` joins them in turn and
:func:`read_value` reads the rest of the path from the innermost document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import FromClause, SQLColumnExpression, case, func

from miniapps.models import Record
from miniapps.services.dashboards.json_values import (
    JsonValue,
    pg_extract,
    postgres_value,
    record_value,
    sqlite_path,
    sqlite_value,
)


@dataclass
class Document:
    """Where the remaining path is read from: the record's data or one array item."""

    expr: SQLColumnExpression[Any]  # Record.data itself, or a column of an item
    item: FromClause | None = None  # the json_each / jsonb_array_elements row, if an item


def array_items(dialect: str, document: Document, tokens: list[str], name: str) -> FromClause:
    """The elements of the array at ``tokens`` in ``document`` (none when it is not an
    array), as a table-valued function named ``name``."""
    if dialect == "postgresql":
        array = pg_extract(document.expr, tokens)
        guarded = case((func.jsonb_typeof(array) == "array", array))
        return func.jsonb_array_elements(guarded).table_valued("value", name=name)
    path = sqlite_path(tokens)
    guarded = case(
        (func.json_type(document.expr, path) == "array", func.json_extract(document.expr, path))
    )
    return func.json_each(guarded).table_valued("value", "type", "atom", name=name)


def item_document(dialect: str, item: FromClause) -> Document:
    """One element of :func:`array_items` as the document the rest of a path is read from."""
    if dialect == "postgresql":
        return Document(item.c.value, item)
    # json_each gives JSON text only for objects and arrays: never parse a scalar's text.
    return Document(case((item.c.type.in_(("object", "array")), item.c.value)), item)


def read_value(dialect: str, document: Document, tokens: list[str]) -> JsonValue:
    """The value at ``tokens`` in ``document`` (a record's data or an array item)."""
    if document.item is None and document.expr is Record.data:
        return record_value(dialect, tuple(tokens))
    if dialect == "postgresql":
        return postgres_value(pg_extract(document.expr, tokens))
    if not tokens and document.item is not None:
        return sqlite_value(document.item.c.type, document.item.c.atom)
    path = sqlite_path(tokens)
    return sqlite_value(func.json_type(document.expr, path), func.json_extract(document.expr, path))
