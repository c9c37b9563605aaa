"""Backing up and restoring the SQLite database with SQLite's online backup API.

:func:`backup_sqlite` copies the live database page by page while the server and the
scheduler keep running (``sqlite3.Connection.backup`` takes a consistent snapshot, WAL
included) into a temporary file beside the target, renamed into place only when
complete. :func:`restore_sqlite` copies a backup into the configured database the same
way, after checking that the file is a miniapps database at the current migration head
and, unless forced, that the database it replaces holds no data.

PostgreSQL databases are backed up with ``pg_dump`` and restored with ``pg_restore``;
:func:`postgres_commands` spells out the commands for a database URL.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from miniapps.migrations_api import alembic_config

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables whose rows say nothing about the database holding data.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "scheduler_jobs", "scheduler_leases"})
COUNTED_TABLES = ("organisations", "users", "apps", "records", "attachments", "outbox_messages")


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why."""


@dataclass(frozen=True)
class DatabaseSummary:
    revision: str
    counts: dict[str, int]

    def describe(self) -> str:
        rows = ", ".join(f"{count} {table}" for table, count in self.counts.items())
        return f"revision {self.revision}: {rows}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def migration_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def backup_sqlite(database: Path, target: Path, *, force: bool = False) -> DatabaseSummary:
    """Copy ``database`` to ``target`` consistently while others keep using it."""
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it")
    if target.resolve() == database.resolve():
        raise BackupError("the backup file must not be the database itself")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        with _connect(database) as source, _connect(partial) as copy:
            source.backup(copy)
            # One self-contained file: no -wal beside it to lose when it is copied.
            copy.execute("PRAGMA journal_mode=DELETE")
            summary = summarise(copy, str(target))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def restore_sqlite(backup: Path, database: Path, *, force: bool = False) -> DatabaseSummary:
    """Replace the contents of ``database`` with ``backup`` (checked first)."""
    if not backup.is_file():
        raise BackupError(f"no backup file at {backup}")
    with backup.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{backup} is not a SQLite database")
    with _connect(backup, read_only=True) as source:
        summary = summarise(source, str(backup))
        head = migration_head()
        if summary.revision != head:
            raise BackupError(
                f"{backup} is at migration {summary.revision}, not the current head {head}: "
                "restore it with the miniapps version that made it, then run "
                "`miniapps db upgrade`"
            )
        database.parent.mkdir(parents=True, exist_ok=True)
        with _connect(database) as target:
            holding = tables_with_rows(target)
            if holding and not force:
                raise BackupError(
                    f"{database} is not empty (rows in {', '.join(holding[:5])}); "
                    "pass --force to overwrite it"
                )
            source.backup(target)
    return summary


def summarise(connection: sqlite3.Connection, name: str) -> DatabaseSummary:
    """The migration revision and main row counts of a miniapps database."""
    tables = _tables(connection)
    if "alembic_version" not in tables or "records" not in tables:
        raise BackupError(f"{name} is not a miniapps database (no migration or records table)")
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None:
        raise BackupError(f"{name} has no migration revision")
    counts = {
        table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in COUNTED_TABLES
        if table in tables
    }
    return DatabaseSummary(str(revision[0]), counts)


def tables_with_rows(connection: sqlite3.Connection) -> list[str]:
    return [
        table
        for table in sorted(_tables(connection) - BOOKKEEPING_TABLES)
        if connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
    ]


def postgres_commands(url: str, file: str) -> tuple[str, str]:
    """The ``pg_dump`` and ``pg_restore`` command lines for ``url`` (no password in them:
    libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``)."""
    given = make_url(url)
    plain = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, given.query
    )
    target = shlex.quote(plain.render_as_string(hide_password=False))
    quoted = shlex.quote(file)
    dump = f"pg_dump --format=custom --no-owner --file={quoted} {target}"
    restore = (
        f"pg_restore --clean --if-exists --no-owner --single-transaction --dbname={target} {quoted}"
    )
    return dump, restore


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {str(name) for (name,) in rows}


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    connection = sqlite3.connect(uri, uri=read_only, timeout=30, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()
