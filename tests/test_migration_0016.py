"""Migration 0016 adds the studio's drafts and their saves: a save is unique per
(draft, revision), deleting a draft deletes its saves, and the migration goes down to
0015 (the tables gone, nothing else touched) and up again."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from miniapps import migrations_api
from miniapps.db import make_engine
from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

SCHEMA = "migration_0016_check"
NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)
TABLES = {"studio_drafts", "studio_draft_saves"}


def _fresh_url(tmp_path) -> tuple[str, str | None]:
    url = os.environ.get("MINIAPPS_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url, SCHEMA
    return f"sqlite:///{tmp_path / 'studio.sqlite3'}", None


def test_drafts_and_saves_up_and_down(tmp_path):
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
        migrations_api.upgrade(url, "0015")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrations_api.upgrade(url, "0016")
        assert set(inspect(engine).get_table_names()) >= TABLES
        tables = MetaData()
        tables.reflect(engine)
        drafts, saves = tables.tables["studio_drafts"], tables.tables["studio_draft_saves"]
        definition = {"id": "wellbeing", "title": "Wellbeing", "version": 1, "schema": {}}
        with engine.begin() as conn:
            draft_id = conn.execute(
                drafts.insert().returning(drafts.c.id),
                {"app_id": "wellbeing", "title": "Wellbeing", "revision": 1}
                | {"status": "open", "created_at": NOW, "updated_at": NOW},
            ).scalar_one()
            conn.execute(
                saves.insert(),
                {"draft_id": draft_id, "revision": 1, "definition": definition}
                | {"summary": "Started", "saved_at": NOW},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                saves.insert(),
                {"draft_id": draft_id, "revision": 1, "definition": definition}
                | {"summary": "Same revision again", "saved_at": NOW},
            )
        with engine.begin() as conn:
            # Key order kept (plain JSON): a schema's property order is the field order.
            stored = conn.execute(select(saves.c.definition)).scalar_one()
            assert list(stored) == ["id", "title", "version", "schema"]
            conn.execute(drafts.delete())
            assert conn.execute(select(func.count()).select_from(saves)).scalar_one() == 0
        migrations_api.downgrade(url, "0015")
        names = set(inspect(engine).get_table_names())
        assert not TABLES & names
        assert {"apps", "records", "user_sessions"} <= names
        migrations_api.upgrade(url, "0016")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
        if schema:
            cleanup = make_engine(os.environ["MINIAPPS_DATABASE_URL"])
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            cleanup.dispose()
