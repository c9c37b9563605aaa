"""``miniapps backup FILE`` and ``miniapps restore FILE``: the SQLite database, online.

On PostgreSQL both commands refuse and print the ``pg_dump`` / ``pg_restore`` commands to
run instead: a dump is the database server's job, not this process's.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from miniapps.services import backup as backup_service

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE while the server keeps running.

    Uses SQLite's online backup API, so the copy is consistent even mid-write. Uploaded
    files live in UPLOADS_DIR, outside the database: copy that folder as well.
    """
    database = _sqlite_or_explain(file)
    try:
        summary = backup_service.backup_sqlite(database, file, force=force)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {database} to {file}: {summary.describe()}")
    click.echo(f"uploaded files are not in the database: also copy {_uploads()}")


@click.command("restore")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore(file: Path, force: bool) -> None:
    """Replace the SQLite database with the backup FILE.

    FILE must be a miniapps database at the current migration head. A database that
    already holds data is overwritten only with --force. Stop the server and the
    scheduler first: they would otherwise keep working on what they had read.
    """
    database = _sqlite_or_explain(file)
    try:
        summary = backup_service.restore_sqlite(file, database, force=force)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {database} from {file}: {summary.describe()}")
    click.echo(f"put the uploaded files back in {_uploads()}")


def _sqlite_or_explain(file: Path) -> Path:
    url = str(current_app.config["DATABASE_URL"])
    try:
        database = backup_service.sqlite_path(url)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if database is not None:
        return database
    dump, restore_command = backup_service.postgres_commands(url, str(file))
    raise click.ClickException(
        "miniapps backup and restore handle SQLite only; this database is PostgreSQL, "
        "so nothing was done. Use PostgreSQL's own tools (the password comes from "
        "PGPASSWORD or ~/.pgpass):\n"
        f"  back up:  {dump}\n"
        f"  restore:  {restore_command}\n"
        "Restore into a database created and migrated by the same miniapps version."
    )


def _uploads() -> str:
    return str(current_app.config["UPLOADS_DIR"])
