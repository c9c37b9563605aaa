"""``miniapps db``: schema migrations."""

from __future__ import annotations

import click
from flask import current_app

from miniapps import migrations_api


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations to MINIAPPS_DATABASE_URL (default: SQLite under instance/)."""
    url = current_app.config["DATABASE_URL"]
    migrations_api.upgrade(url, revision)
    click.echo(f"database at {revision}: {_safe(url)}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` removes every table)."""
    migrations_api.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}@{host}"
    return url
