"""Migration 0017 adds ``audit_entries.source`` (the file an import read a change from):
existing entries keep NULL, a new one can name its file, and the migration goes down to
0016 (the column gone, the entries kept) and up again."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from miniapps import migrations_api
from miniapps.db import make_engine
from sqlalchemy import MetaData, inspect, select, text

SCHEMA = "migration_0017_check"
NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


def _fresh_url(tmp_path) -> tuple[str, str | None]:
    url = os.environ.get("MINIAPPS_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url, SCHEMA
    return f"sqlite:///{tmp_path / 'audit_source.sqlite3'}", None


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("audit_entries")}


def test_audit_source_up_and_down(tmp_path):
    url, schema = _fresh_url(tmp_path)
    engine = make_engine(url)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        url = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        engine = make_engine(url)
    try:
        migrations_api.upgrade(url, "0016")
        assert "source" not in _columns(engine)
        before = {"action": "create", "changes": [], "at": NOW}
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO audit_entries (action, changes, at) VALUES (:action, '[]', :at)"),
                before,
            )
        migrations_api.upgrade(url, "0017")
        assert "source" in _columns(engine)
        tables = MetaData()
        tables.reflect(engine)
        entries = tables.tables["audit_entries"]
        with engine.begin() as conn:
            conn.execute(entries.insert(), {**before, "source": "fridge.csv"})
            sources = conn.execute(select(entries.c.source).order_by(entries.c.id)).scalars()
            assert list(sources) == [None, "fridge.csv"]
        migrations_api.downgrade(url, "0016")
        assert "source" not in _columns(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one() == 2
        migrations_api.upgrade(url, "0017")
        assert "source" in _columns(engine)
    finally:
        engine.dispose()
        if schema:
            cleanup = make_engine(os.environ["MINIAPPS_DATABASE_URL"])
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            cleanup.dispose()
