"""Statements sent straight to a session's connection, without the ORM's set-up for each
execution: the plain rows a submit or an import writes (records, audit entries, emails,
record keys) and plain reads whose answers are not objects (an email's recipients).

``Session.execute`` sets every execution up afresh: an INSERT's compiled statement looked
up in the cache, every row's parameters built through it (each key looked up, each
default worked out, each value through its column type's processor), a result prepared;
a SELECT naming mapped attributes goes through the ORM's compile and loading steps even
when it returns plain columns. For the three inserts of one API submit (the record, its
two audit entries, its email) that was about 6 % of the request's time, and the email's
recipients (read as objects) about 4 % more; for an import's batches, a third of the
writing time.

:func:`direct_connection` is the session's connection after the session's autoflush (as
``Session.execute`` would flush first), so what runs on it is in the session's
transaction and savepoint and goes through its engine's events (SQLite's write lock, the
statement count of a benchmark).

:func:`insert_rows` and :func:`insert_row` compile the INSERT once per table, set of
columns given, returned column and database dialect. Each row then becomes the driver's
parameters directly, stored as SQLAlchemy's own insert stores it:

- each value goes through the bind processor its column type gives SQLAlchemy (JSON text,
  timestamps, booleans);
- a column left out that has a Python-side default (``default=``) gets it for each row,
  exactly those SQLAlchemy's insert would fill in (its ``insert_prefetch``); one left out
  without a default is left to the database.

Rows with other columns than the first row's, or a column the table lacks, are refused
before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table, insert
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Insert:
    sql: str
    positional: bool  # the driver takes a tuple (SQLite), else a dict by name (psycopg)
    params: tuple[tuple[str, str, Processor], ...]  # (name in the SQL, column key, processor)
    defaults: tuple[tuple[str, Callable[[], Any]], ...]  # column key, its default per row

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The parameters' names in the SQL (psycopg takes them by name)."""
        return tuple(name for name, _, _ in self.params)

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if self.defaults:
            row = {**row, **{key: make() for key, make in self.defaults}}
        values = [
            row[key] if process is None else process(row[key]) for _, key, process in self.params
        ]
        if self.positional:
            return tuple(values)
        return dict(zip(self.names, values, strict=True))


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (mappings with the same keys: column keys) into ``table``."""
    if not rows:
        return
    keys = rows[0].keys()
    for number, row in enumerate(rows[1:], start=2):
        if row.keys() != keys:
            raise ValueError(f"{table.name} row {number} has other columns than row 1")
    connection = direct_connection(session)
    statement = _statement(table, tuple(keys), None, connection.dialect)
    parameters = [statement.parameters(row) for row in rows]
    connection.exec_driver_sql(statement.sql, parameters if len(rows) > 1 else parameters[0])


def insert_row(session: Session, table: Table, row: Mapping[str, Any], returning: str) -> Any:
    """INSERT one ``row`` into ``table``; the value the database gave its ``returning``
    column (the id)."""
    connection = direct_connection(session)
    statement = _statement(table, tuple(row), returning, connection.dialect)
    return connection.exec_driver_sql(statement.sql, statement.parameters(row)).scalar_one()


def direct_connection(session: Session) -> Connection:
    """``session``'s connection, its pending changes flushed first unless it does not
    autoflush (as ``Session.execute`` would: nothing to do when there are none)."""
    if session.autoflush:
        session.flush()
    return session.connection()


@lru_cache(maxsize=128)
def _statement(
    table: Table, keys: tuple[str, ...], returning: str | None, dialect: Dialect
) -> _Insert:
    unknown = sorted(set(keys) - set(table.c.keys()))
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    statement = insert(table)
    if returning is not None:
        statement = statement.returning(table.c[returning])
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    assert not compiled.escaped_bind_names, "column keys that are plain bind names"
    names = compiled.positiontup if compiled.positional else list(compiled.binds)
    assert names is not None
    params = []
    for name in names:
        bind = compiled.binds[name]
        params.append((name, bind.key, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    defaults = tuple((column.key, _default(column)) for column in compiled.insert_prefetch)
    return _Insert(compiled.string, compiled.positional, tuple(params), defaults)


def _default(column: Column[Any]) -> Callable[[], Any]:
    """``column``'s Python-side default as a function of nothing, evaluated per row."""
    default: Any = column.default
    if default is not None and default.is_scalar:
        value = default.arg
        return lambda: value
    # SQLAlchemy wraps a default taking no argument to take (and ignore) a context.
    if default is not None and default.is_callable and hasattr(default.arg, "__wrapped__"):
        make = default.arg
        return lambda: make(None)
    raise ValueError(f"{column.table.name}.{column.key}: give it, its default needs a context")
