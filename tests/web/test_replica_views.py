"""The dashboard and export views read on the read replica (``REPLICA_DATABASE_URL``) and
write nothing there; sign-in, token checks and the export's audits stay on the primary.

The "replica" is a second database seeded like the primary (the same organisations,
people, apps and ids) and then given more records than the primary holds, so that every
figure and row tells which database it was read from.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps import create_app, migrations_api
from miniapps.db import db, make_engine
from miniapps.models import AuditEntry, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.users.tokens import create_token
from sqlalchemy import Engine, MetaData, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import NORTH_SURGERY_TREE
from tests.fixtures_channels import STAKEHOLDERS, concern_definition
from tests.publishing import publish_app

PASSWORD = "correct horse battery"
FRIDGE: dict[str, Any] = {
    "id": "replica_fridge",
    "title": "Replica fridge",
    "version": 1,
    "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
}
PRIMARY_READINGS = [4.0, 5.0]
REPLICA_READINGS = [*PRIMARY_READINGS, 6.0, 7.0, 8.0]  # the replica holds more


def _database_urls(tmp_path: Any) -> Iterator[tuple[str, str]]:
    """Two fresh migrated databases on the engine the suite runs on."""
    base = os.environ.get("MINIAPPS_DATABASE_URL")
    if not (base and base.startswith("postgresql")):
        urls = [f"sqlite:///{tmp_path / name}.sqlite3" for name in ("primary", "replica")]
        for url in urls:
            migrations_api.upgrade(url)
        yield urls[0], urls[1]
        return
    names = [f"miniapps_{role}_{secrets.token_hex(4)}" for role in ("primary", "replica")]
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls = [make_url(base).set(database=n).render_as_string(hide_password=False) for n in names]
        for url in urls:
            migrations_api.upgrade(url)
        yield urls[0], urls[1]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, readings: list[float]) -> None:
    """The same organisations, people and apps in each database (so the same ids), one
    concern sent through a channel, then a fridge reading per value of ``readings``."""
    engine = make_engine(url)
    with Session(engine) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
                OrgRow("PLC99", "Other Place", "place", "QWE"),
                *(
                    OrgRow(ods, name, "stakeholder", parent, category=category)
                    for ods, (name, category, parent) in STAKEHOLDERS.items()
                ),
            ],
        )
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        admin = user_service.create_user(
            session, "admin@example.nhs.uk", "Admin", PASSWORD, "platform_admin", orgs["QWE"]
        )
        staff = user_service.create_user(
            session, "staff@example.nhs.uk", "Staff", PASSWORD, "practice_staff", orgs["A00001"]
        )
        fridge = publish_app(session, FRIDGE, [orgs["QWE"]])
        concern = publish_app(session, concern_definition(), [orgs["QWE"]])
        record_service.create_record(
            session,
            Access(staff),
            concern,
            orgs["A00001"],
            {"kind": "adult", "summary": "Bruising seen at a home visit", "urgent": False},
            submit=True,
            actor=staff,
        )
        for reading in readings:
            record_service.create_record(
                session,
                Access(staff),
                fridge,
                orgs["A00001"],
                {"reading": reading},
                submit=True,
                actor=staff,
            )
        session.commit()
        assert admin.id == 1
    engine.dispose()


def table_rows(engine: Engine) -> dict[str, int]:
    """How many rows each table holds: equal before and after, nothing was written."""
    names = MetaData()
    names.reflect(engine)
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in names.tables.items()
        }


class Statements:
    """The statements an engine runs."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._note)

    def _note(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def writes(self) -> list[str]:
        return [s for s in self.seen if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    urls = _database_urls(tmp_path_factory.mktemp("replica"))
    primary, replica = next(urls)
    seed(primary, PRIMARY_READINGS)
    seed(replica, REPLICA_READINGS)
    yield primary, replica
    next(urls, None)  # drops the PostgreSQL databases


@pytest.fixture
def replica_app(databases: tuple[str, str]) -> Iterator[Flask]:
    primary, replica = databases
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "replica-views",
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": primary,
            "REPLICA_DATABASE_URL": replica,
        }
    )
    yield flask_app
    replica_engine = db.replica_engine(flask_app)
    assert replica_engine is not None
    replica_engine.dispose()
    db.engine(flask_app).dispose()


@pytest.fixture
def watched(replica_app: Flask) -> Iterator[tuple[Statements, Statements]]:
    """Statements on the primary and on the replica; the replica's tables unchanged."""
    replica = db.replica_engine(replica_app)
    assert replica is not None
    before = table_rows(replica)
    on_primary, on_replica = Statements(db.engine(replica_app)), Statements(replica)
    yield on_primary, on_replica
    assert on_replica.writes() == []
    assert table_rows(replica) == before


def signed_in(flask_app: Flask) -> FlaskClient:
    client = flask_app.test_client()
    response = client.post(
        "/auth/login", data={"email": "admin@example.nhs.uk", "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def reads_of_records(statements: Statements) -> list[str]:
    return [s for s in statements.seen if s.startswith(("SELECT", "WITH")) and "records" in s]


def test_the_dashboard_json_reads_its_figures_on_the_replica(
    replica_app: Flask, watched: tuple[Statements, Statements]
) -> None:
    on_primary, on_replica = watched
    with replica_app.app_context(), db.transaction() as session:
        user = session.get(User, 1)
        assert user is not None
        token = create_token(session, user)
    response = replica_app.test_client().get(
        "/api/v1/apps/replica_fridge/dashboard?org=QWE",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    widgets = {w["id"]: w["data"] for w in response.get_json()["widgets"]}
    assert widgets["records"]["total"] == len(REPLICA_READINGS)
    assert widgets["/reading"]["max"] == max(REPLICA_READINGS)
    assert reads_of_records(on_replica)
    assert not reads_of_records(on_primary)  # the token check and permissions only
    assert any("api_tokens" in s for s in on_primary.seen)


def test_the_dashboard_page_and_its_csv_read_on_the_replica(
    replica_app: Flask, watched: tuple[Statements, Statements]
) -> None:
    on_primary, on_replica = watched
    client = signed_in(replica_app)
    page = client.get("/apps/replica_fridge/dashboard?org=QWE")
    assert page.status_code == 200
    table = client.get("/apps/replica_fridge/dashboard.csv?org=QWE&widget=/reading")
    assert table.status_code == 200, table.get_data(as_text=True)
    figures = dict(csv.reader(io.StringIO(table.get_data(as_text=True))))
    assert figures["Count"] == str(len(REPLICA_READINGS))
    assert float(figures["Sum"]) == sum(REPLICA_READINGS)
    assert reads_of_records(on_replica)
    assert not reads_of_records(on_primary)
    assert any(s.startswith("INSERT INTO user_sessions") for s in on_primary.writes())


def test_the_export_reads_on_the_replica_and_audits_on_the_primary(
    replica_app: Flask, watched: tuple[Statements, Statements], databases: tuple[str, str]
) -> None:
    on_primary, on_replica = watched
    client = signed_in(replica_app)
    fridge = client.get("/apps/replica_fridge/export?format=csv")
    assert fridge.status_code == 200
    rows = list(csv.DictReader(io.StringIO(fridge.get_data(as_text=True).lstrip("\ufeff"))))
    assert [float(row["reading"]) for row in rows] == REPLICA_READINGS
    assert any("FROM records" in s for s in reads_of_records(on_replica))
    concern = client.get("/apps/safeguarding_concern/export?format=csv")
    assert concern.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(concern.get_data(as_text=True))))) == 1
    # The concern, a channel record, counts as read by the export: on the primary.
    assert any(s.startswith("INSERT INTO audit_entries") for s in on_primary.writes())
    engine = make_engine(databases[0])
    with Session(engine) as session:
        exported = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.record_id == 1)
        ).all()
        assert exported and inspect(exported[-1]).persistent
        assert session.scalar(select(func.count()).select_from(Record)) == 1 + len(PRIMARY_READINGS)
    engine.dispose()
