"""SQLite under parallel load: who takes the write lock when, and what a busy database
answers. Nothing here applies to PostgreSQL.

SQLite (in WAL mode) lets any number read and one write. A transaction that starts with
a plain ``BEGIN`` and reads before it writes cannot wait for the write lock: when another
writer holds it, or committed since the read began, its first write fails at once with
"database is locked" (the busy timeout is not used for that upgrade). So:

- **Writers say so up front** (``BEGIN IMMEDIATE``): requests other than GET, HEAD and
  OPTIONS, scheduler jobs, CLI commands, import threads and :meth:`Database.transaction`
  take the write lock at their first statement, waiting up to the busy timeout
  (:data:`BUSY_TIMEOUT_SECONDS`) for it. Reads (GET, HEAD, OPTIONS; sessions opened with
  ``writes=False``) begin with a plain ``BEGIN`` and never wait.
- **A read that writes** (an audited read of a channel record, bookkeeping): its reading
  transaction ends at its first write and a ``BEGIN IMMEDIATE`` one takes over, waiting
  for the lock like any writer (:func:`upgrade_before_write`). What it read stays as read
  (a read is idempotent, and what such a read writes is an append). Should a read still
  find the database busy, the whole request is run again (:class:`RetryBusyReads`,
  ``DATABASE_BUSY_RETRIES`` times, with a growing, jittered pause).
- **Still busy** (after the timeout, or the retries): 503 with ``Retry-After``, never 500.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, cast

from flask import Flask, has_request_context, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import OperationalError

BUSY_TIMEOUT_SECONDS = 30
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Execution option of a connection (or an engine) that says whether it writes.
WRITES_OPTION = "miniapps_writes"
# Execution option: seconds a writer waits for the lock instead of the busy timeout.
LOCK_WAIT_OPTION = "miniapps_lock_wait"
BUSY_ENVIRON_KEY = "miniapps.database_busy"
RETRY_AFTER_SECONDS = 2
# Connection info: whether its transaction began as a read (plain BEGIN).
_READING = "miniapps_reading_transaction"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# Set while a unit of work that writes (:meth:`Database.transaction`) is open.
writing_unit: ContextVar[bool] = ContextVar("miniapps_writing_unit", default=False)


class DatabaseBusy(OperationalError):
    """SQLite's write lock could not be had ("database is locked", "database is busy")."""


def writes_now(conn: Connection) -> bool:
    """Whether a transaction beginning on ``conn`` will write (so takes the lock first)."""
    option = conn.get_execution_options().get(WRITES_OPTION)
    if option is not None:
        return bool(option)
    if writing_unit.get():
        return True
    if has_request_context():
        return request.method not in READ_METHODS
    return True  # jobs, CLI commands, import threads: they are there to write


def begin(conn: Connection) -> None:
    """The engine's ``begin`` listener: ``BEGIN IMMEDIATE`` for writers, else ``BEGIN``."""
    if not writes_now(conn):
        conn.exec_driver_sql("BEGIN")
        conn.info[_READING] = True
        return
    conn.info[_READING] = False
    wait = conn.get_execution_options().get(LOCK_WAIT_OPTION)
    if wait is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    # The busy timeout only matters while taking the lock: shorten it for this BEGIN.
    driver = conn.connection.dbapi_connection
    assert driver is not None
    usual = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    driver.execute(f"PRAGMA busy_timeout = {int(float(wait) * 1000)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        driver.execute(f"PRAGMA busy_timeout = {int(usual)}")


def upgrade_before_write(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    """The engine's ``before_cursor_execute`` listener: a reading transaction's first
    write ends it and begins a writing one (``BEGIN IMMEDIATE``, which waits for the lock)
    instead of failing on a lock it cannot wait for. Not inside a savepoint (it would go)."""
    if not conn.info.get(_READING) or not statement.lstrip()[:7].upper().startswith(_WRITES):
        return
    if conn.in_nested_transaction():
        return
    conn.info[_READING] = False
    driver = conn.connection.dbapi_connection
    assert driver is not None
    driver.execute("ROLLBACK")  # nothing written yet: it only ends the read snapshot
    driver.execute("BEGIN IMMEDIATE")


def holds_write_lock(conn: Connection) -> bool:
    """Whether ``conn`` is in a SQLite transaction that holds the write lock (it began
    ``IMMEDIATE``, or a read that wrote took it over)."""
    return conn.dialect.name == "sqlite" and conn.info.get(_READING) is False


def translate_busy(context: ExceptionContext) -> None:
    """The engine's ``handle_error`` listener: SQLite's "locked" becomes :class:`DatabaseBusy`."""
    original = context.original_exception
    if not isinstance(original, sqlite3.OperationalError):
        return
    text = str(original).lower()
    if "locked" in text or "busy" in text:
        raise DatabaseBusy(context.statement, context.parameters, original) from original


def busy_answer(exc: DatabaseBusy) -> ResponseReturnValue:
    """503 with ``Retry-After``; a read is marked to be run again (:class:`RetryBusyReads`)."""
    request.environ[BUSY_ENVIRON_KEY] = True
    message = "The service is busy just now. Try again in a moment."
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        response = jsonify({"error": "service_busy", "message": message})
        return response, 503, headers
    return render_template("errors/error.html", status=503, message=message), 503, headers


StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RetryBusyReads:
    """WSGI middleware: a GET, HEAD or OPTIONS request answered 503 because SQLite was
    busy is run again, up to ``retries`` times, after a short growing pause with jitter.
    Such a request is idempotent and has no body, so running it again is safe."""

    def __init__(self, wsgi_app: Wsgi, retries: int, pause: float = 0.05) -> None:
        self.wsgi_app = wsgi_app
        self.retries = retries
        self.pause = pause

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in READ_METHODS:
            return self.wsgi_app(environ, start_response)
        for attempt in range(self.retries + 1):
            environ.pop(BUSY_ENVIRON_KEY, None)
            started: list[tuple[Any, ...]] = []
            body = self.wsgi_app(environ, _keeping(started))
            if environ.get(BUSY_ENVIRON_KEY) and attempt < self.retries:
                _close(body)
                time.sleep(self.pause * 2**attempt * random.uniform(0.5, 1.5))
                continue
            start_response(*started[0])
            return body
        raise AssertionError("unreachable")


def _keeping(started: list[tuple[Any, ...]]) -> StartResponse:
    def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers, exc_info))
        return _no_write

    return keep


def _no_write(data: bytes) -> None:
    raise RuntimeError("write() is not supported behind RetryBusyReads")


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def init_app(app: Flask) -> None:
    """Answer a busy SQLite database with 503 and run busy reads again."""
    app.register_error_handler(DatabaseBusy, busy_answer)
    retries = int(app.config.get("DATABASE_BUSY_RETRIES", 5))
    app.wsgi_app = RetryBusyReads(cast(Wsgi, app.wsgi_app), retries)  # type: ignore[method-assign]
