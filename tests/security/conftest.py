"""Fixtures of the permanent attack suite (the matrix, schemathesis and hypothesis tests).

Seeding the world once per module keeps the matrix fast: it lives in an outer transaction
on one connection (rolled back when the module ends), and every test runs in a savepoint
of its own, so whatever a request writes is gone before the next test.

Other tests in this folder must not depend on these fixtures: they are this suite's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.db import db
from miniapps.services import users as user_service
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tests.security.matrix_world import PASSWORD, World, seed_world


@dataclass
class Seeded:
    """The matrix's world, the connection it lives on, and each role's credentials."""

    app: Flask
    connection: Connection
    world: World
    cookies: dict[str, str]  # role -> session cookie value, "" for anonymous
    tokens: dict[str, str]  # role -> bearer token

    def session(self) -> Session:
        return db.new_session(self.app)


@pytest.fixture(scope="module")
def seeded(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The world, seeded once for the module, rolled back at its end."""
    folders = tmp_path_factory.mktemp("matrix")
    saved = {key: app.config.get(key) for key in ("UPLOADS_DIR", "IMPORTS_DIR")}
    app.config["UPLOADS_DIR"] = str(folders / "uploads")
    app.config["IMPORTS_DIR"] = str(folders / "imports")
    connection = db.engine(app).connect()
    outer = connection.begin()
    db.bind_to(app, connection)
    try:
        session = db.new_session(app)
        world = seed_world(session, Path(app.config["UPLOADS_DIR"]), folders / "imports")
        tokens = {}
        for role, user in world.attackers.items():
            tokens[role] = user_service.create_token(session, user)
        session.commit()
        session.close()
        cookies = {role: _sign_in(app, user.email) for role, user in world.attackers.items()}
        yield Seeded(app, connection, world, cookies, tokens)
    finally:
        outer.rollback()
        connection.close()
        db.bind_to(app, None)
        app.config.update(saved)


@pytest.fixture
def isolated(seeded: Seeded) -> Iterator[Seeded]:
    """The seeded world inside a savepoint rolled back after the test."""
    savepoint = seeded.connection.begin_nested()
    try:
        yield seeded
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def _sign_in(app: Flask, email: str) -> str:
    client = app.test_client()
    answer = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None, "signing in set no session cookie"
    return cookie.value


def client_for(seeded: Seeded, role: str) -> FlaskClient:
    """A new test client carrying ``role``'s session cookie (none for anonymous)."""
    client = seeded.app.test_client()
    if role != "anonymous":
        name = seeded.app.config.get("SESSION_COOKIE_NAME", "session")
        client.set_cookie(name, seeded.cookies[role], domain="localhost")
    return client


_TABLES: dict[str, list[tuple[str, bool]]] = {}


def fingerprint(session: Session) -> dict[str, tuple[int, Any]]:
    """Row count and highest id of every table: equal before and after a refused input
    means nothing was written."""
    connection = session.connection()
    key = connection.engine.url.render_as_string()
    if key not in _TABLES:
        inspector = inspect(connection)
        _TABLES[key] = [
            (table, any(c["name"] == "id" for c in inspector.get_columns(table)))
            for table in sorted(inspector.get_table_names())
        ]
    parts = [
        # As text: some ids are strings (apps, attachments), and UNION wants one type.
        f"SELECT '{table}', count(*), CAST({'max(id)' if has_id else 'null'} AS VARCHAR(200))"
        f' FROM "{table}"'
        for table, has_id in _TABLES[key]
    ]
    rows = connection.execute(text(" UNION ALL ".join(parts))).all()
    return {str(row[0]): (int(row[1]), row[2]) for row in rows}
