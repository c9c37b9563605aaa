"""PostgreSQL connections cut under a request (a server restart, ``pg_terminate_backend``).

The pool's pre-ping replaces connections that died while idle. A request whose connection
dies while it is using it answers 503 with ``Retry-After`` instead of a 500, and a read
(GET, HEAD, OPTIONS: no body, idempotent) is run again on a fresh connection by the same
middleware that runs reads again when SQLite is busy
(:class:`miniapps.sqlite_writes.RetryBusyReads`). A cut write is never run again: its
transaction was rolled back by the server, and the user is told to try again.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError

from miniapps.sqlite_writes import (
    BUSY_ENVIRON_KEY,
    RETRY_AFTER_SECONDS,
    RetryBusyReads,
    Wsgi,
)

MESSAGE = "The connection to the database was lost. Try again in a moment."


class DatabaseDisconnected(OperationalError):
    """The database connection was cut while in use (the pool has dropped it)."""


def translate_disconnect(context: ExceptionContext) -> None:
    """The engine's ``handle_error`` listener: a disconnect becomes
    :class:`DatabaseDisconnected` (the connection is still invalidated as usual), so
    that only it, not every database error, is answered with 503."""
    if context.is_disconnect and context.original_exception is not None:
        raise DatabaseDisconnected(
            context.statement,
            context.parameters,
            context.original_exception,
            connection_invalidated=True,
        ) from context.original_exception


def disconnected_answer(exc: DatabaseDisconnected) -> ResponseReturnValue:
    """503 with ``Retry-After``; a read is marked to be run again."""
    request.environ[BUSY_ENVIRON_KEY] = True
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        return jsonify({"error": "database_unavailable", "message": MESSAGE}), 503, headers
    return render_template("errors/error.html", status=503, message=MESSAGE), 503, headers


def init_app(app: Flask, engine: Engine) -> None:
    event.listen(engine, "handle_error", translate_disconnect)
    app.register_error_handler(DatabaseDisconnected, disconnected_answer)
    retries = int(app.config.get("DATABASE_BUSY_RETRIES", 5))
    app.wsgi_app = RetryBusyReads(cast(Wsgi, app.wsgi_app), retries)  # type: ignore[method-assign]
