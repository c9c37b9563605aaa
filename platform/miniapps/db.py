"""The one place that opens and closes database sessions.

Requests, CLI commands and jobs each get one session from :data:`db`; services
receive it as an argument and only flush; the boundary commits. Engine state is
kept per application, so two apps (a test and a live server) never share it.

On SQLite, writers take the write lock at their first statement (``BEGIN IMMEDIATE``)
and readers never wait; a busy database answers 503 and busy reads are run again: see
:mod:`miniapps.sqlite_writes`.

Read-only work (dashboards, exports) may run on a read replica
(``REPLICA_DATABASE_URL``) through :meth:`Database.read_session`; without one it runs on
the primary, read-only all the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from miniapps import db_disconnects, sqlite_writes
from miniapps.core.records.value_safety import load_stored_json
from miniapps.sqlite_writes import BUSY_TIMEOUT_SECONDS

EXTENSION_KEY = "miniapps.db"
# Execution option of an engine or connection: its transactions cannot write.
READ_ONLY_OPTION = "miniapps_read_only"
# Connection info (SQLite): PRAGMA query_only was set for this transaction; undo it.
_QUERY_ONLY = "miniapps_query_only"


@dataclass
class _State:
    engine: Engine
    factory: sessionmaker[Session]
    bound: bool = False  # tests: every session runs in one connection's transaction
    replica: Engine | None = None  # REPLICA_DATABASE_URL's engine, when set
    # The engine with sqlite_writes' option set each way, made once (not per request).
    by_writes: dict[bool, Engine] = field(default_factory=dict)

    def writing(self, writes: bool) -> Engine:
        found = self.by_writes.get(writes)
        if found is None:
            options = {sqlite_writes.WRITES_OPTION: writes}
            found = self.by_writes[writes] = self.engine.execution_options(**options)
        return found


class Database:
    def init_app(self, app: Flask) -> None:
        timeout = app.config.get("DATABASE_BUSY_TIMEOUT_SECONDS")
        busy_timeout = float(timeout if timeout is not None else BUSY_TIMEOUT_SECONDS)
        url = app.config["DATABASE_URL"]
        engine = make_engine(url, busy_timeout=busy_timeout, **pool_options(app.config, url))
        replica_url = app.config.get("REPLICA_DATABASE_URL")
        replica = (
            make_engine(
                replica_url, busy_timeout=busy_timeout, **pool_options(app.config, replica_url)
            )
            if replica_url
            else None
        )
        app.extensions[EXTENSION_KEY] = _State(
            engine, sessionmaker(engine, expire_on_commit=False), replica=replica
        )
        app.teardown_appcontext(self._teardown)
        if engine.dialect.name == "sqlite":
            sqlite_writes.init_app(app)
        else:  # a connection cut mid-request: 503, and reads are run again
            db_disconnects.init_app(app, engine)
            if replica is not None:
                event.listen(replica, "handle_error", db_disconnects.translate_disconnect)

    def _state(self, app: Flask | None = None) -> _State:
        return cast(_State, (app or current_app).extensions[EXTENSION_KEY])

    def engine(self, app: Flask | None = None) -> Engine:
        return self._state(app).engine

    def replica_engine(self, app: Flask | None = None) -> Engine | None:
        """The read replica's engine (``REPLICA_DATABASE_URL``), or None without one."""
        return self._state(app).replica

    def read_engine(self, app: Flask | None = None) -> Engine:
        """Where :meth:`read_session` reads: the replica when configured, else the primary."""
        state = self._state(app)
        return state.replica if state.replica is not None else state.engine

    @contextmanager
    def read_session(self, app: Flask | None = None) -> Iterator[Session]:
        """A session for read-only work (dashboards, exports), on the read replica when
        ``REPLICA_DATABASE_URL`` is set, else on the primary; closed (never committed) at
        the end, so load what you need inside the block.

        Its transactions cannot write: PostgreSQL ``SET TRANSACTION READ ONLY`` (per
        transaction, so nothing outlives it on a pooled or PgBouncer connection), SQLite
        ``PRAGMA query_only`` while it lasts, and a plain ``BEGIN`` that never takes the
        write lock. A replica may lag the primary by a moment: read there only what may be
        a little stale. Tests bound to one connection (:meth:`bind_to`) read through it."""
        state = self._state(app)
        if state.bound:
            session = state.factory()
        else:
            options = {READ_ONLY_OPTION: True, sqlite_writes.WRITES_OPTION: False}
            bind = self.read_engine(app).execution_options(**options)
            session = Session(bind=bind, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()

    def bind_to(self, app: Flask, connection: Connection | None) -> None:
        """Tests: run every session inside ``connection``'s outer transaction (rolled back).

        ``None`` restores the engine-bound factory.
        """
        state = self._state(app)
        state.bound = connection is not None
        if connection is None:
            state.factory = sessionmaker(state.engine, expire_on_commit=False)
        else:
            state.factory = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )

    def new_session(self, app: Flask | None = None, *, writes: bool | None = None) -> Session:
        """A new session. ``writes`` says whether it will write (SQLite: whether its
        transactions take the write lock first); None decides by where it runs: a GET,
        HEAD or OPTIONS request reads, anything else writes."""
        state = self._state(app)
        if writes is None or state.bound:
            return state.factory()
        return state.factory(bind=state.writing(writes))

    @property
    def session(self) -> Session:
        """The session of the current app context (request, command or job)."""
        session = g.get("db_session")
        if session is None:
            session = g.db_session = self.new_session()
        return cast(Session, session)

    def _teardown(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if exc is not None:
                    session.rollback()
                session.close()
            except DBAPIError as error:  # cut after the answer was made: nothing to undo
                if not error.connection_invalidated:
                    raise

    @contextmanager
    def transaction(
        self, app: Flask | None = None, *, lock_wait_seconds: float | None = None
    ) -> Iterator[Session]:
        """A unit of work of its own (scheduler job, CLI step, a request's bookkeeping):
        it writes (on SQLite it takes the write lock first, waiting up to
        ``lock_wait_seconds`` for it when given, else the busy timeout); commit or roll back.

        On SQLite, inside a request whose own session already holds the write lock, a
        second writer would wait for the first, that is for itself: the unit then runs in
        a savepoint of the request's transaction and is kept when the request commits."""
        holder = self._lock_holder(app)
        if holder is not None:
            session = Session(
                bind=holder, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        elif lock_wait_seconds is not None and not self._state(app).bound:
            options = {sqlite_writes.LOCK_WAIT_OPTION: lock_wait_seconds}
            session = self._state(app).factory(bind=self.engine(app).execution_options(**options))
        else:
            session = self.new_session(app)
        writing = sqlite_writes.writing_unit.set(True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            sqlite_writes.writing_unit.reset(writing)

    def _lock_holder(self, app: Flask | None) -> Connection | None:
        """The connection of the request's session, when it holds SQLite's write lock."""
        if not has_request_context():
            return None
        if app is not None and app is not current_app._get_current_object():  # type: ignore[attr-defined]
            return None
        session = g.get("db_session")
        if session is None or self._state().bound or not session.in_transaction():
            return None
        connection = session.connection()
        return connection if sqlite_writes.holds_write_lock(connection) else None


def pool_options(config: Mapping[str, Any], url: str) -> dict[str, Any]:
    """The connection pool's settings from ``DATABASE_POOL_*`` (PostgreSQL only: SQLite
    keeps SQLAlchemy's defaults)."""
    if url.startswith("sqlite"):
        return {}
    options: dict[str, Any] = {
        "pool_size": int(config.get("DATABASE_POOL_SIZE", 5)),
        "max_overflow": int(config.get("DATABASE_MAX_OVERFLOW", 10)),
        "pool_timeout": float(config.get("DATABASE_POOL_TIMEOUT_SECONDS", 30)),
    }
    recycle = config.get("DATABASE_POOL_RECYCLE_SECONDS")
    if recycle is not None:
        options["pool_recycle"] = int(recycle)
    return options


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite: WAL, foreign keys, writers that wait up to
    ``busy_timeout`` seconds for the write lock (:mod:`miniapps.sqlite_writes`).
    Connections with :data:`READ_ONLY_OPTION` run read-only transactions."""
    if url.startswith("sqlite"):
        # Stored JSON is read through value_safety: values SQLite took before the record
        # check refused them (a lone surrogate, Infinity) come back shown, not as a 500.
        kwargs.setdefault("json_deserializer", load_stored_json)
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN
        # (IMMEDIATE for writers, so they wait for the lock instead of failing on it).
        event.listen(engine, "begin", sqlite_writes.begin)
        event.listen(engine, "before_cursor_execute", sqlite_writes.upgrade_before_write)
        event.listen(engine, "handle_error", sqlite_writes.translate_busy)
        event.listen(engine, "begin", _begin_read_only)  # after sqlite_writes' BEGIN
        # PRAGMA query_only outlives the transaction: undone at its end, and on check-in.
        event.listen(engine, "commit", _end_read_only)
        event.listen(engine, "rollback", _end_read_only)
        event.listen(engine.pool, "checkin", _checkin_read_only)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "begin", _begin_read_only)
    return engine


def _begin_read_only(conn: Connection) -> None:
    """The engine's ``begin`` listener: a transaction of a read session cannot write."""
    if not conn.get_execution_options().get(READ_ONLY_OPTION):
        return
    driver = conn.connection.dbapi_connection
    assert driver is not None
    if conn.dialect.name == "sqlite":
        conn.info[_QUERY_ONLY] = True  # set first: undone even if the PRAGMA fails
        driver.execute("PRAGMA query_only = ON")
    else:  # begins the transaction; ends with it (no session state for PgBouncer to leak)
        driver.execute("SET TRANSACTION READ ONLY")


def _end_read_only(conn: Connection) -> None:
    """The engine's ``commit``/``rollback`` listener: a SQLite connection writes again."""
    if conn.invalidated:  # discarded by the pool: nothing to undo (and no info to read)
        return
    if conn.info.pop(_QUERY_ONLY, False):
        driver = conn.connection.dbapi_connection
        if driver is not None:
            driver.execute("PRAGMA query_only = OFF")


def _checkin_read_only(dbapi_connection: Any, record: Any) -> None:
    """The pool's ``checkin`` listener: no connection goes back to the pool read-only."""
    if record.info.pop(_QUERY_ONLY, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA query_only = OFF")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Read pages through a memory map (up to 1 GiB of the file; address space, not memory):
    # a dashboard reading a scope's records by id reads pages all over the table.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


db = Database()
