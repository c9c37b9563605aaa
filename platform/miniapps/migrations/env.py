"""Alembic environment: the URL and metadata come from the caller's config."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from miniapps.db import make_engine
from miniapps.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("Alembic needs sqlalchemy.url (or a connection) in its config.")
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
