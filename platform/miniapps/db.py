"""The one place that opens and closes database sessions.

Requests, CLI commands and jobs each get one session from :data:`db`; services
receive it as an argument and only flush; the boundary commits. Engine state is
kept per application, so two apps (a test and a live server) never share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

EXTENSION_KEY = "miniapps.db"


@dataclass
class _State:
    engine: Engine
    factory: sessionmaker[Session]


class Database:
    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions[EXTENSION_KEY] = _State(engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._teardown)

    def _state(self, app: Flask | None = None) -> _State:
        return cast(_State, (app or current_app).extensions[EXTENSION_KEY])

    def engine(self, app: Flask | None = None) -> Engine:
        return self._state(app).engine

    def bind_to(self, app: Flask, connection: Connection | None) -> None:
        """Tests: run every session inside ``connection``'s outer transaction (rolled back).

        ``None`` restores the engine-bound factory.
        """
        state = self._state(app)
        if connection is None:
            state.factory = sessionmaker(state.engine, expire_on_commit=False)
        else:
            state.factory = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )

    def new_session(self, app: Flask | None = None) -> Session:
        return self._state(app).factory()

    @property
    def session(self) -> Session:
        """The session of the current app context (request, command or job)."""
        if "db_session" not in g:
            g.db_session = self.new_session()
        return cast(Session, g.db_session)

    def _teardown(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @contextmanager
    def transaction(self, app: Flask | None = None) -> Iterator[Session]:
        """A unit of work outside a request (scheduler job, CLI step): commit or roll back."""
        session = self.new_session(app)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


db = Database()
