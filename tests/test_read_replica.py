"""``db.read_session()``: read-only work on the read replica (``REPLICA_DATABASE_URL``)
when configured, else on the primary; read-only either way; pool settings from config.

The "replica" here is a second URL of the test database: a separate engine, so the
statements it runs can be told apart from the primary's by engine events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from miniapps import create_app
from miniapps.db import db, pool_options
from miniapps.models import Organisation
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from tests.statements import recorded_statements

REFUSED = r"read-only|readonly"  # PostgreSQL, SQLite
A_WRITE = "UPDATE organisations SET name = name WHERE id = -1"  # changes nothing, still a write


def replica_url(database_url: str) -> str:
    """Another URL of the same database (PostgreSQL: told apart by application_name)."""
    if database_url.startswith("postgresql"):
        return database_url + "?application_name=miniapps_replica"
    return database_url


def make_app(database_url: str, **config: Any) -> Flask:
    return create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "replica-test", **config}
    )


@pytest.fixture
def replica_app(database_url: str) -> Iterator[Flask]:
    flask_app = make_app(database_url, REPLICA_DATABASE_URL=replica_url(database_url))
    yield flask_app
    replica = db.replica_engine(flask_app)
    assert replica is not None
    replica.dispose()
    db.engine(flask_app).dispose()


@pytest.fixture
def primary_only_app(database_url: str) -> Iterator[Flask]:
    flask_app = make_app(database_url)
    yield flask_app
    db.engine(flask_app).dispose()


def read_only_flag(session: Session) -> str:
    """What the database says about the session's transaction: read-only or not."""
    if session.get_bind().dialect.name == "sqlite":
        return "on" if session.scalar(text("PRAGMA query_only")) == 1 else "off"
    return str(session.scalar(text("SHOW transaction_read_only")))


def test_read_session_reads_on_the_replica(replica_app: Flask) -> None:
    replica = db.replica_engine(replica_app)
    assert replica is not None and replica is not db.engine(replica_app)
    assert db.read_engine(replica_app) is replica

    with (
        recorded_statements(db.engine(replica_app)) as on_primary,
        recorded_statements(replica) as on_replica,
        db.read_session(replica_app) as session,
    ):
        session.scalar(select(func.count()).select_from(Organisation))
        assert read_only_flag(session) == "on"
        if replica.dialect.name == "postgresql":
            assert session.scalar(text("SHOW application_name")) == "miniapps_replica"

    assert any("organisations" in s for s in on_replica)
    assert on_primary == []


def test_a_write_in_a_read_session_fails_and_the_primary_still_writes(
    replica_app: Flask,
) -> None:
    with pytest.raises(DBAPIError, match=REFUSED), db.read_session(replica_app) as session:
        session.execute(text(A_WRITE))
    with db.transaction(replica_app) as session:  # the primary: not read-only
        session.execute(text(A_WRITE))
        assert read_only_flag(session) == "off"


def test_without_a_replica_read_session_reads_read_only_on_the_primary(
    primary_only_app: Flask,
) -> None:
    assert db.replica_engine(primary_only_app) is None
    primary = db.engine(primary_only_app)
    assert db.read_engine(primary_only_app) is primary

    with recorded_statements(primary) as on_primary, db.read_session(primary_only_app) as session:
        session.scalar(select(func.count()).select_from(Organisation))
        assert read_only_flag(session) == "on"
    assert any("organisations" in s for s in on_primary)

    with pytest.raises(DBAPIError, match=REFUSED), db.read_session(primary_only_app) as session:
        session.execute(text(A_WRITE))
    # The same pooled connections write again afterwards: nothing read-only was left on them.
    assert isinstance(primary.pool, QueuePool) and primary.pool.checkedout() == 0
    with db.transaction(primary_only_app) as session:
        session.execute(text(A_WRITE))
        assert read_only_flag(session) == "off"


def test_tests_bound_to_one_connection_read_through_it(
    app: Flask, orgs: dict[str, Organisation]
) -> None:
    with db.read_session(app) as session:  # sees the fixture's rows, not yet committed
        assert session.scalar(select(Organisation.name).where(Organisation.ods == "QWE")) == (
            "Test ICB"
        )


def test_pool_settings_come_from_the_configuration(database_url: str) -> None:
    config = {
        "DATABASE_POOL_SIZE": 3,
        "DATABASE_MAX_OVERFLOW": 2,
        "DATABASE_POOL_TIMEOUT_SECONDS": 7,
        "DATABASE_POOL_RECYCLE_SECONDS": 600,
    }
    assert pool_options(config, "sqlite:///x.sqlite3") == {}
    assert pool_options(config, "postgresql+psycopg://u@h/d") == {
        "pool_size": 3,
        "max_overflow": 2,
        "pool_timeout": 7.0,
        "pool_recycle": 600,
    }
    assert "pool_recycle" not in pool_options({}, "postgresql+psycopg://u@h/d")
    if not database_url.startswith("postgresql"):
        return
    flask_app = make_app(database_url, **config)
    try:
        pool = db.engine(flask_app).pool
        assert (pool.size(), pool._max_overflow, pool._recycle) == (3, 2, 600)  # type: ignore[attr-defined]
    finally:
        db.engine(flask_app).dispose()
