"""An export's cursor read ahead on a thread (:mod:`miniapps.services.exports.read_ahead`):
every row in order, the thread gone and the connection free once the caller has its rows
or stops early, and a database error raised to the caller."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from miniapps.services.exports.read_ahead import read_ahead
from sqlalchemy import Result, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

NUMBERS = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :last) "
    "SELECT i, i * i FROM n"
)


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "export-read-ahead"]


def _streamed(session: Session, last: int) -> Result[Any]:
    return session.execute(
        NUMBERS.execution_options(stream_results=True, yield_per=7), {"last": last}
    )


def test_every_row_comes_in_order(db_session: Session) -> None:
    rows = list(read_ahead(_streamed(db_session, 100), batch=7, depth=2))

    assert [tuple(row) for row in rows] == [(i, i * i) for i in range(1, 101)]
    assert _readers() == []
    assert db_session.scalar(text("SELECT 41 + 1")) == 42  # the connection is free again


def test_a_caller_that_stops_early_stops_the_reader(db_session: Session) -> None:
    rows = read_ahead(_streamed(db_session, 10_000), batch=7, depth=1)
    first = [next(rows) for _ in range(3)]
    assert [row[0] for row in first] == [1, 2, 3]
    assert _readers()  # still reading ahead, blocked on the full queue

    rows.close()

    assert _readers() == []
    assert db_session.scalar(text("SELECT 41 + 1")) == 42


def test_no_rows(db_session: Session) -> None:
    query = text("SELECT 1 WHERE 1 = 0").execution_options(stream_results=True)
    assert list(read_ahead(db_session.execute(query), batch=5)) == []
    assert _readers() == []


def test_a_database_error_while_reading_reaches_the_caller(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite divides by zero without an error")
    failing = text("SELECT 1 / (i - 50) FROM generate_series(1, 200) AS i")
    rows = read_ahead(db_session.execute(failing.execution_options(stream_results=True)), batch=10)
    with pytest.raises(DBAPIError, match="division by zero"):
        list(rows)
    assert _readers() == []
    db_session.rollback()
