"""Alembic migrations run both ways on the configured database and match the models."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from miniapps import migrations_api
from miniapps.db import make_engine
from miniapps.models import Base
from sqlalchemy import inspect, text


def _fresh_url(tmp_path) -> tuple[str, str | None]:
    url = os.environ.get("MINIAPPS_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url, "migrations_check"
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}", None


def test_upgrade_downgrade_upgrade_and_models_match(tmp_path):
    url, schema = _fresh_url(tmp_path)
    engine = make_engine(url)
    if schema:  # a separate schema, so the suite's own tables are untouched
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        engine.dispose()
        engine = make_engine(url)
    try:
        migrations_api.upgrade(url)
        assert {"records", "organisations", "app_versions"} <= set(
            inspect(engine).get_table_names()
        )
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        migrations_api.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations_api.upgrade(url)
    finally:
        engine.dispose()
        if schema:
            cleanup = make_engine(os.environ["MINIAPPS_DATABASE_URL"])
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            cleanup.dispose()
