"""PostgreSQL's ``COPY ... FROM STDIN`` for the bulk writer's rows, in the caller's
transaction.

An import's batch as an ``executemany`` of INSERTs is one Bind/Execute per row on the
server and one parameter conversion per value in SQLAlchemy; ``COPY`` streams the rows as
text in one statement. The rows are the same dictionaries the INSERT would take; JSON
columns are sent as JSON text (``jsonb`` parses it as it would the INSERT's parameter).

Most of a COPY's time is the server's (each row's foreign keys checked, seven indexes of
``records`` kept): a :class:`CopyPipeline` runs each batch's COPYs on a worker thread, on
the same connection and so in the same transaction, while the caller reads and prepares
the next batch; it never runs two batches at once, and the caller touches the connection
only after :meth:`CopyPipeline.wait`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import orjson
import psycopg
from psycopg import sql
from sqlalchemy import JSON, Table, text
from sqlalchemy.orm import Session

TableRows = tuple[Table, list[dict[str, Any]]]


def copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``COPY`` ``rows`` (dictionaries with the same keys: the columns) into ``table``
    through the session's connection, so inside its transaction and savepoint."""
    _copy(_driver(session), table, rows)


def json_text(value: Any) -> str:
    """``value`` as JSON text (None as JSON ``null``, as SQLAlchemy's JSON type stores it).
    orjson for speed; ``json.dumps`` (what the INSERT would use) for what orjson refuses,
    such as an integer beyond 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


class CopyPipeline:
    """Batches of rows COPYed one batch at a time on a worker thread (see the module).
    Record ids are drawn from the sequence at the first :meth:`take_ids`, for every
    record the caller said it would write."""

    def __init__(self, session: Session, expected: int) -> None:
        self.session = session
        self.expected = expected
        self._driver = _driver(session)
        self._ids: list[int] = []
        self._next_id = 0
        self._pending: Future[None] | None = None
        self.in_flight = 0  # records of the batch sent and not yet known to be in
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy")

    def take_ids(self, count: int) -> list[int]:
        """The next ``count`` record ids (drawn in one statement the first time)."""
        if not self._ids:
            self.wait()
            query = text(
                "SELECT nextval(pg_get_serial_sequence('records', 'id')) "
                "FROM generate_series(1, :n)"
            )
            self._ids = sorted(self.session.scalars(query, {"n": max(self.expected, count)}))
        taken = self._ids[self._next_id : self._next_id + count]
        if len(taken) < count:
            raise ValueError("more records than the pipeline was told to expect")
        self._next_id += count
        return taken

    def send(self, batch: Sequence[TableRows], records: int) -> None:
        """COPY ``batch`` (tables in order, ``records`` records) once the previous batch
        is in."""
        self.wait()
        self._pending = self._worker.submit(self._copy_batch, list(batch))
        self.in_flight = records

    def wait(self) -> None:
        """Until the last batch sent is in; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        self.in_flight = 0
        if pending is not None:
            pending.result()

    def _copy_batch(self, batch: list[TableRows]) -> None:
        for table, rows in batch:
            _copy(self._driver, table, rows)

    def __enter__(self) -> CopyPipeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.wait()
            else:  # the caller's error stands; the batch in flight is waited for, not raised
                pending, self._pending = self._pending, None
                self.in_flight = 0
                if pending is not None:
                    pending.exception()
        finally:
            self._worker.shutdown(wait=True)


def _driver(session: Session) -> psycopg.Connection[Any]:
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection), "a live PostgreSQL connection"
    return driver


def _copy(driver: psycopg.Connection[Any], table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    is_json = [isinstance(table.c[name].type, JSON) for name in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    json_text(row[name]) if json_column else row[name]
                    for name, json_column in zip(columns, is_json, strict=True)
                ]
            )
