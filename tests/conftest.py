"""Composable fixtures: a migrated database (SQLite or PostgreSQL), the app, a session
rolled back after every test, organisations, users for every role, a published app.

Set MINIAPPS_DATABASE_URL to run the suite on PostgreSQL; the default is a SQLite file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from miniapps import create_app, migrations_api
from miniapps.db import db, make_engine
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.users.passwords import use_hasher
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.publishing import publish_app

# Real SMTP (aiosmtpd) and committed-database fixtures, shared by every test folder.
pytest_plugins = ["fixtures_mail", "fixtures_channels"]

REPO = Path(__file__).resolve().parents[1]

# Same algorithm (argon2id), test-sized cost: production cost would dominate the suite's time.
use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PASSWORD = "correct horse battery"
# The smallest provider tree with a practice: ICB > Place > PCN > practice (as in ``orgs``).
NORTH_SURGERY_TREE = (
    OrgRow("QWE", "Test ICB", "icb", None),
    OrgRow("PLC01", "Test Place", "place", "QWE"),
    OrgRow("U00001", "North PCN", "pcn", "PLC01"),
    OrgRow("A00001", "North Surgery", "practice", "U00001"),
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("MINIAPPS_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:  # a fresh schema for every run
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations_api.upgrade(url)
    return url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    flask_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "UPLOADS_DIR": str(instance / "uploads"),
            "SERVER_NAME": "localhost",
        }
    )
    yield flask_app
    db.engine(flask_app).dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = db.engine(app).connect()
    outer = connection.begin()
    db.bind_to(app, connection)
    session = db.new_session(app)
    # No app context held open here: each test-client request must get its own, as in
    # production, so its session is closed at the end of that request.
    yield session
    session.close()
    outer.rollback()
    connection.close()
    db.bind_to(app, None)


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: Session):
    return app.test_cli_runner()


@pytest.fixture
def orgs(db_session: Session) -> dict[str, Organisation]:
    """ICB > Place > two PCNs > two practices each, plus a stakeholder. Keyed by ODS."""
    rows = [
        OrgRow("QWE", "Test ICB", "icb", None),
        OrgRow("PLC01", "Test Place", "place", "QWE"),
        OrgRow("U00001", "North PCN", "pcn", "PLC01"),
        OrgRow("U00002", "South PCN", "pcn", "PLC01"),
        OrgRow("A00001", "North Surgery", "practice", "U00001"),
        OrgRow("A00002", "Hill Surgery", "practice", "U00001"),
        OrgRow("A00003", "South Surgery", "practice", "U00002"),
        OrgRow("A00004", "Vale Surgery", "practice", "U00002"),
        OrgRow("LA001", "Test Council Safeguarding", "stakeholder", None),
    ]
    upsert_organisations(db_session, rows)
    db_session.commit()
    return {o.ods: o for o in db_session.query(Organisation).all()}


@pytest.fixture
def users(db_session: Session, orgs: dict[str, Organisation]) -> dict[str, User]:
    """One user per role; ``practice_manager_2`` manages a practice in another PCN."""
    spec = {
        "platform_admin": ("admin@example.nhs.uk", "QWE"),
        "icb_viewer": ("icb@example.nhs.uk", "QWE"),
        "pcn_manager": ("pcn@example.nhs.uk", "U00001"),
        "practice_manager": ("pm@example.nhs.uk", "A00001"),
        "practice_staff": ("staff@example.nhs.uk", "A00001"),
        "stakeholder": ("la@example.gov.uk", "LA001"),
        "practice_manager_2": ("pm2@example.nhs.uk", "A00003"),
    }
    made = {}
    for key, (email, ods) in spec.items():
        role = key.removesuffix("_2")
        made[key] = user_service.create_user(
            db_session, email, key.replace("_", " ").title(), PASSWORD, role, orgs[ods]
        )
    db_session.commit()
    return made


def load_example(name: str) -> dict[str, Any]:
    return json.loads((REPO / "docs" / "examples" / name / "app.json").read_text())


@pytest.fixture
def fridge_app(db_session: Session, orgs: dict[str, Organisation]):
    """The minimal fridge_log example, published to the whole ICB."""
    return publish_app(db_session, load_example("fridge_log"), [orgs["QWE"]])


@pytest.fixture
def submitted(
    db_session: Session, users: dict[str, User], orgs: dict[str, Organisation], fridge_app: App
) -> Record:
    """A fridge reading (9.5) submitted by A00001's practice staff, committed."""
    record = submit_reading(db_session, users, orgs, fridge_app, 9.5)
    db_session.commit()
    return record


def submit_reading(
    session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    fridge_app: App,
    reading: float,
) -> Record:
    """A fridge reading submitted by A00001's practice staff (neither flushed nor committed
    beyond what the submit itself does)."""
    staff = users["practice_staff"]
    return record_service.create_record(
        session,
        Access(staff),
        fridge_app,
        orgs["A00001"],
        {"reading": reading},
        submit=True,
        actor=staff,
    )


@pytest.fixture
def seeded_app(db_session: Session, orgs: dict[str, Organisation]):
    """Publish a definition to the test ICB and store records directly, for query tests:
    ``seeded_app(definition, [(ods, period, data), (ods, period, data, "draft"), ...])``
    (status defaults to ``submitted``)."""

    def seed(definition: dict[str, Any], rows: list[tuple[Any, ...]]) -> App:
        app = publish_app(db_session, definition, [orgs["QWE"]], commit=False)
        for ods, period, data, *status in rows:
            db_session.add(
                Record(
                    app_id=definition["id"],
                    app_version=definition["version"],
                    organisation=orgs[ods],
                    period=period,
                    data=data,
                    status=status[0] if status else "submitted",
                )
            )
        db_session.commit()
        return app

    return seed


IIF_DIR = REPO / "apps" / "iif_tracker"


@pytest.fixture
def iif_app(db_session: Session, orgs: dict[str, Organisation]):
    """The bundled IIF tracker, published to the test ICB, with its year sets loaded:
    2025/26 (CAN-04, HI-03) and the illustrative 2026/27."""
    from miniapps.core.definitions.loading import load_definition
    from miniapps.services.indicators.year_set_loading import load_year_set

    published = app_service.publish(db_session, load_definition(IIF_DIR), [orgs["QWE"]], actor=None)
    for path in sorted((IIF_DIR / "data").glob("*.json")):
        load_year_set(db_session, "iif_tracker", json.loads(path.read_text()), source=str(path))
    db_session.commit()
    return published.app


def iif_data(list_size: int, **counts: tuple[int, ...]) -> dict[str, Any]:
    """IIF return data: ``iif_data(9000, CAN_04=(30, 40), HI_03=(10, 20, 2))`` (numerator,
    denominator[, exclusions]; ``_`` in a keyword stands for ``-`` in the code)."""
    rows: dict[str, Any] = {}
    for key, values in counts.items():
        row = dict(zip(("numerator", "denominator", "exclusions"), values, strict=False))
        rows[key.replace("_", "-")] = row
    return {"list_size": list_size, "indicators": rows}


@pytest.fixture
def password() -> str:
    """The password every ``users`` fixture user has."""
    return PASSWORD


@pytest.fixture
def login(client: FlaskClient):
    """Sign a user in through the real sign-in form."""

    def sign_in(user: User, password: str = PASSWORD) -> Any:
        response = client.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in


@pytest.fixture
def token(db_session: Session):
    """Make a bearer token for a user: ``headers = token(user)``."""

    def make(user: User) -> dict[str, str]:
        value = user_service.create_token(db_session, user)
        db_session.commit()
        return {"Authorization": f"Bearer {value}"}

    return make
