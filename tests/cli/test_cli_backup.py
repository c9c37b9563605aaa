"""``miniapps backup`` / ``miniapps restore``: SQLite's online backup API, a round trip that
keeps every record, user and attachment, and the refusals (a database with data, a file
that is not a miniapps database at the current head, PostgreSQL)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from miniapps import create_app, migrations_api
from miniapps.db import db
from miniapps.models import App, Attachment, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.backup import migration_head
from miniapps.services.organisations import upsert_organisations
from sqlalchemy import delete, func, select

from tests.conftest import NORTH_SURGERY_TREE
from tests.publishing import publish_app

REPO = Path(__file__).resolve().parents[2]
COUNTED = {"records": Record, "users": User, "attachments": Attachment}


def make_app(database: Path, tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{database}",
            "UPLOADS_DIR": str(tmp_path / "uploads"),
        }
    )


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Flask]:
    """A SQLite file database at head holding organisations, users, records, attachments."""
    database = tmp_path / "live.sqlite3"
    migrations_api.upgrade(f"sqlite:///{database}")
    app = make_app(database, tmp_path)
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        for n in range(3):
            user_service.create_user(
                session, f"user{n}@example.nhs.uk", f"User {n}", "pw-pw-pw-pw", "practice_manager",
                orgs["A00001"],
            )  # fmt: skip
        raw = json.loads((REPO / "docs" / "examples" / "fridge_log" / "app.json").read_text())
        publish_app(session, raw, [orgs["QWE"]], commit=False)
        for n in range(25):
            session.add(_record(orgs["A00001"], 2.0 + n / 10))
        for n in range(4):
            session.add(_attachment(orgs["A00001"], n))
    yield app
    db.engine(app).dispose()


def _record(org: Organisation, reading: float) -> Record:
    return Record(
        app_id="fridge_log", app_version=1, organisation=org, data={"reading": reading},
        status="submitted",
    )  # fmt: skip


def _attachment(org: Organisation, n: int) -> Attachment:
    return Attachment(
        id=str(uuid.uuid4()), app_id="fridge_log", organisation_id=org.id, field_pointer="/photo",
        filename=f"photo{n}.png", content_type="image/png", size=10, sha256="0" * 64,
    )  # fmt: skip


def counts(app: Flask) -> dict[str, int]:
    with app.app_context(), db.transaction(app) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in COUNTED.items()
        }


def cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_backup_then_restore_round_trips_records_users_and_attachments(
    live: Flask, tmp_path: Path
) -> None:
    before = counts(live)
    assert before == {"records": 25, "users": 3, "attachments": 4}
    backup = tmp_path / "backups" / "miniapps.sqlite3"
    backup.parent.mkdir()

    made = cli(live).invoke(args=["backup", str(backup)])

    assert made.exit_code == 0, made.output
    assert "25 records" in made.output and "4 attachments" in made.output
    assert "also copy" in made.output  # uploads are outside the database
    assert not list(backup.parent.glob(".*partial*"))  # renamed into place, no leftovers
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)

    # Lose data, then bring it back.
    with live.app_context(), db.transaction(live) as session:
        session.execute(delete(Attachment))
        session.execute(delete(Record).where(Record.id > 5))
        session.add(User(email="late@example.nhs.uk", name="Late"))
    assert counts(live) != before

    refused = cli(live).invoke(args=["restore", str(backup)])
    assert refused.exit_code == 1
    assert "is not empty" in refused.output and "--force" in refused.output
    assert counts(live)["records"] == 5  # untouched

    restored = cli(live).invoke(args=["restore", "--force", str(backup)])

    assert restored.exit_code == 0, restored.output
    db.engine(live).dispose()  # connections opened before the restore
    assert counts(live) == before
    with live.app_context(), db.transaction(live) as session:
        assert session.get(App, "fridge_log") is not None


def test_restore_into_an_empty_database_needs_no_force(live: Flask, tmp_path: Path) -> None:
    backup = tmp_path / "copy.sqlite3"
    assert cli(live).invoke(args=["backup", str(backup)]).exit_code == 0
    fresh_file = tmp_path / "fresh" / "new.sqlite3"
    fresh = make_app(fresh_file, tmp_path)
    migrations_api.upgrade(f"sqlite:///{fresh_file}")  # migrated, still empty

    restored = cli(fresh).invoke(args=["restore", str(backup)])

    assert restored.exit_code == 0, restored.output
    assert counts(fresh) == counts(live)
    db.engine(fresh).dispose()


def test_backup_is_consistent_while_the_database_is_written(live: Flask, tmp_path: Path) -> None:
    """Online: a writer adds records in batches of ten the whole time; every backup holds
    whole batches only and passes SQLite's integrity check."""
    stop = threading.Event()

    def write() -> None:
        with live.app_context():
            while not stop.is_set():
                with db.transaction(live) as session:
                    org = session.scalars(select(Organisation).filter_by(ods="A00001")).one()
                    session.add_all(_record(org, 5.0) for _ in range(10))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for n in range(5):
            backup = tmp_path / f"online-{n}.sqlite3"
            result = cli(live).invoke(args=["backup", str(backup)])
            assert result.exit_code == 0, result.output
            with sqlite3.connect(backup) as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                (records,) = copy.execute("SELECT count(*) FROM records").fetchone()
            assert (records - 25) % 10 == 0
    finally:
        stop.set()
        writer.join()
    assert counts(live)["records"] > 25  # the writer really wrote meanwhile


def test_backup_refuses_to_overwrite_a_file_without_force(live: Flask, tmp_path: Path) -> None:
    backup = tmp_path / "exists.sqlite3"
    backup.write_bytes(b"precious")

    refused = cli(live).invoke(args=["backup", str(backup)])

    assert refused.exit_code == 1 and "exists; pass --force" in refused.output
    assert backup.read_bytes() == b"precious"
    assert cli(live).invoke(args=["backup", "--force", str(backup)]).exit_code == 0
    assert backup.read_bytes().startswith(b"SQLite format 3")


def test_restore_refuses_what_is_not_a_miniapps_database_at_head(
    live: Flask, tmp_path: Path
) -> None:
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    older = tmp_path / "older.sqlite3"
    migrations_api.upgrade(f"sqlite:///{older}", "0013")
    before = counts(live)

    for file, message in [
        (text, "is not a SQLite database"),
        (other, "is not a miniapps database"),
        (older, f"not the current head {migration_head()}"),
        (tmp_path / "missing.sqlite3", "no backup file"),
    ]:
        result = cli(live).invoke(args=["restore", "--force", str(file)])
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert counts(live) == before


def test_postgresql_gets_the_pg_dump_commands_instead(tmp_path: Path) -> None:
    url = "postgresql+psycopg://miniapps:s3cret@db.internal:5433/miniapps"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})

    for command in ("backup", "restore"):
        result = cli(app).invoke(args=[command, str(tmp_path / "dump.pgc")])
        assert result.exit_code == 1
        assert "SQLite only" in result.output and "nothing was done" in result.output
        assert "pg_dump --format=custom" in result.output
        assert "pg_restore --clean --if-exists" in result.output
        assert "postgresql://miniapps@db.internal:5433/miniapps" in result.output
        assert "s3cret" not in result.output
    assert not (tmp_path / "dump.pgc").exists()
    db.engine(app).dispose()


def test_the_installed_command_backs_up(live: Flask, tmp_path: Path) -> None:
    database = tmp_path / "live.sqlite3"
    backup = tmp_path / "by-command.sqlite3"
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": f"sqlite:///{database}",
        "MINIAPPS_SECRET_KEY": "test-secret",
        "MINIAPPS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [str(Path(sys.executable).parent / "miniapps"), "backup", str(backup)]

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "25 records, 4 attachments" in done.stdout
    assert backup.is_file()
