"""SQLite's many-row INSERT for the bulk writer.

SQLAlchemy's ``executemany`` builds every row's parameters through the compiled
statement (each key looked up, each value through its column type's processor): on an
import of plain rows that was a third of the time spent writing. Here the statement is
compiled once per table and set of columns, each value goes through the same processor
its column type gives SQLAlchemy (so what is stored is the same text: JSON, timestamps),
and the rows go to the driver's ``executemany`` as tuples, on the session's connection
(its transaction, its savepoint and its engine's events, such as SQLite's write lock).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Table, insert
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dictionaries with the same keys: the columns) into ``table``. Every
    column SQLAlchemy would fill in from a default must be given (ValueError otherwise)."""
    if not rows:
        return
    connection = session.connection()
    sql, columns = _statement(table, tuple(rows[0]), connection.dialect)
    parameters = [
        tuple(row[key] if process is None else process(row[key]) for key, process in columns)
        for row in rows
    ]
    connection.exec_driver_sql(sql, parameters)


@lru_cache(maxsize=64)
def _statement(
    table: Table, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[tuple[str, Processor], ...]]:
    """The INSERT's SQL for ``keys`` and, in its parameters' order, each key with its
    column type's bind processor (None when the driver takes the value as it is)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    assert compiled.positiontup is not None, "a driver taking positional parameters (SQLite)"
    order = compiled.positiontup
    missing = sorted(set(order) - set(keys))
    if missing:  # a column with a default SQLAlchemy would fill in: give it in the rows
        raise ValueError(f"{table.name} rows lack {', '.join(missing)}")
    columns = tuple(
        (key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in order
    )
    return compiled.string, columns
