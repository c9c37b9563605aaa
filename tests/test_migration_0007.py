"""Migration 0007 backfills target and activity history from the data already stored."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from miniapps import migrations_api
from miniapps.db import make_engine
from sqlalchemy import MetaData, select, text

SCHEMA = "migration_0007_check"


def _fresh_url(tmp_path) -> tuple[str, str | None]:
    url = os.environ.get("MINIAPPS_DATABASE_URL")
    if url and url.startswith("postgresql"):
        return url, SCHEMA
    return f"sqlite:///{tmp_path / 'backfill.sqlite3'}", None


def _seed(engine) -> None:
    tables = MetaData()
    tables.reflect(engine)
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    with engine.begin() as conn:
        for ods, active in (("QWE", True), ("A00007", False)):
            conn.execute(
                tables.tables["organisations"].insert(),
                {
                    "ods": ods,
                    "name": ods,
                    "type": "icb" if ods == "QWE" else "practice",
                    "path": "/",
                    "is_demo": False,
                    "active": active,
                    "created_at": now,
                },
            )
        qwe = conn.scalar(text("select id from organisations where ods = 'QWE'"))
        for app_id, first_publish in (
            ("early", datetime(2025, 3, 2, 23, tzinfo=UTC)),
            ("new", None),
        ):
            conn.execute(
                tables.tables["apps"].insert(),
                {
                    "id": app_id,
                    "title": app_id,
                    "status": "published",
                    "latest_version": 2,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            for version, moment in ((1, first_publish), (2, now)) if first_publish else ():
                conn.execute(
                    tables.tables["app_versions"].insert(),
                    {
                        "app_id": app_id,
                        "version": version,
                        "title": app_id,
                        "definition": {},
                        "content_hash": str(version),
                        "published_at": moment,
                    },
                )
            conn.execute(
                tables.tables["app_targets"].insert(), {"app_id": app_id, "organisation_id": qwe}
            )


def test_backfill_targets_from_first_publish_and_closures_from_today(tmp_path):
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
        migrations_api.upgrade(url, "0006")
        _seed(engine)
        migrations_api.upgrade(url)
        tables = MetaData()
        tables.reflect(engine)
        targets, orgs = tables.tables["app_targets"], tables.tables["organisations"]
        with engine.connect() as conn:
            since = dict(conn.execute(select(targets.c.app_id, targets.c.targeted_from)).all())
            activity = {
                ods: (active_from, closed_on)
                for ods, active_from, closed_on in conn.execute(
                    select(orgs.c.ods, orgs.c.active_from, orgs.c.closed_on)
                )
            }
        # The app's first publish; an app without versions: its creation.
        assert since == {"early": date(2025, 3, 2), "new": date(2026, 1, 5)}
        assert activity == {"QWE": (None, None), "A00007": (None, date.today())}
        migrations_api.downgrade(url, "0006")
        migrations_api.upgrade(url)
    finally:
        engine.dispose()
        if schema:
            cleanup = make_engine(os.environ["MINIAPPS_DATABASE_URL"])
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            cleanup.dispose()
