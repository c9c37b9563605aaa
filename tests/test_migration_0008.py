"""Migration 0008 gives each (app, organisation, period) of a one-per-period app one
slot holder: the newest submitted record (the newest draft if none was submitted); the
other records of that period are kept, marked superseded. Apps declaring several records
per period, and apps without periods, take no slots."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from miniapps import migrations_api
from miniapps.db import make_engine
from sqlalchemy import MetaData, select, text

SCHEMA = "migration_0008_check"
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def _fresh_url(tmp_path) -> tuple[str, str | None]:
    url = os.environ.get("MINIAPPS_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url, SCHEMA
    return f"sqlite:///{tmp_path / 'slots.sqlite3'}", None


def _seed(engine) -> dict[str, int]:
    """Records named by what they are; returns their ids."""
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    with engine.begin() as conn:
        org = conn.execute(
            t["organisations"].insert().returning(t["organisations"].c.id),
            {"ods": "A00001", "name": "North", "type": "practice", "path": "/1/"}
            | {"is_demo": False, "active": True, "created_at": NOW},
        ).scalar_one()
        periods = {
            "iif": {"frequency": "monthly"},
            "log": {"frequency": "monthly", "several": True},
            "adhoc": None,
        }
        for app_id, period in periods.items():
            conn.execute(
                t["apps"].insert(),
                {"id": app_id, "title": app_id, "status": "published", "latest_version": 1}
                | {"created_at": NOW, "updated_at": NOW},
            )
            definition = {"id": app_id} | ({"period": period} if period else {})
            conn.execute(
                t["app_versions"].insert(),
                {"app_id": app_id, "version": 1, "title": app_id, "definition": definition}
                | {"content_hash": app_id, "published_at": NOW},
            )
        rows = [
            ("approved", "iif", "2025-11", "approved", NOW),
            ("resubmitted", "iif", "2025-11", "submitted", NOW),
            ("late_draft", "iif", "2025-11", "draft", None),
            ("lone_draft", "iif", "2025-10", "draft", None),
            ("log_a", "log", "2025-11", "submitted", NOW),
            ("log_b", "log", "2025-11", "submitted", NOW),
            ("adhoc", "adhoc", None, "submitted", NOW),
        ]
        ids = {}
        for name, app_id, period, status, submitted in rows:
            ids[name] = conn.execute(
                t["records"].insert().returning(t["records"].c.id),
                {"app_id": app_id, "app_version": 1, "organisation_id": org, "period": period}
                | {"data": {}, "status": status, "version": 1, "created_at": NOW}
                | {"updated_at": NOW, "submitted_at": submitted},
            ).scalar_one()
    return ids


def test_backfill_keeps_one_slot_holder_per_period(tmp_path):
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
        migrations_api.upgrade(url, "0007")
        ids = _seed(engine)
        migrations_api.upgrade(url, "0008")
        tables = MetaData()
        tables.reflect(engine)
        records = tables.tables["records"]
        with engine.connect() as conn:
            found = {
                rid: (slot, bool(superseded))
                for rid, slot, superseded in conn.execute(
                    select(records.c.id, records.c.period_slot, records.c.superseded)
                )
            }
        assert {name: found[rid] for name, rid in ids.items()} == {
            "approved": (None, True),
            "resubmitted": ("2025-11", False),  # the newest submitted one holds the period
            "late_draft": (None, True),
            "lone_draft": ("2025-10", False),
            "log_a": (None, False),
            "log_b": (None, False),
            "adhoc": (None, False),
        }
        migrations_api.downgrade(url, "0007")
        migrations_api.upgrade(url, "0008")
    finally:
        engine.dispose()
        if schema:
            cleanup = make_engine(os.environ["MINIAPPS_DATABASE_URL"])
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            cleanup.dispose()
