"""National-scale benchmark data: organisations, one indicator app and one generic app.

The tree is England-sized: 42 ICBs > 3 Places each > 1,250 PCNs > 6,500 practices, all
with made-up ODS codes. Two apps are published through the real service:

* ``bench_indicators`` (monthly, ten integer fields ``/f01``..``/f10``): one submitted
  record per practice per month for 12 months (about 78,000 records);
* ``bench_generic`` (no period; a number, an enum, a boolean and a text field):
  ``--generic`` submitted records spread over the practices (1,000,000 for the national
  figures, 200,000 by default for a quick run). It shares the ``records`` table, so the
  indicator queries run against a table of national size.

Rows go in with raw bulk inserts (``executemany`` on SQLite, ``COPY`` on PostgreSQL),
never the ORM per row, then the database is analysed.

    python benchmarks/generate.py --db sqlite --generic 200000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))

from miniapps import migrations_api  # noqa: E402
from miniapps.core.definitions.loading import validate_definition  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

DATA_DIR = HERE / ".data"
SQLITE_URL = f"sqlite:///{DATA_DIR / 'bench.sqlite3'}"
# The server (and a database on it to connect to while creating/dropping miniapps_bench).
PG_SERVER = os.environ.get("MINIAPPS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_bench")
PG_URL = f"{PG_SERVER}/{PG_DATABASE}"

ICBS, PLACES_PER_ICB, PCNS, PRACTICES = 42, 3, 1250, 6500
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
FIELDS = [f"f{n:02d}" for n in range(1, 11)]
INDICATOR_APP, GENERIC_APP = "bench_indicators", "bench_generic"
CATEGORIES = ["access", "prescribing", "screening", "immunisation", "long_term_conditions"]
STAMP = datetime(2025, 1, 1, tzinfo=UTC)

INDICATOR_DEFINITION: dict[str, Any] = {
    "id": INDICATOR_APP,
    "title": "Benchmark indicators",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            name: {"type": "integer", "minimum": 0, "title": f"Indicator field {name[1:]}"}
            for name in FIELDS
        },
    },
}

GENERIC_DEFINITION: dict[str, Any] = {
    "id": GENERIC_APP,
    "title": "Benchmark generic records",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 0, "title": "Score"},
            "category": {"type": "string", "enum": CATEGORIES, "title": "Category"},
            "done": {"type": "boolean", "title": "Done"},
            "note": {"type": "string", "title": "Note"},
        },
    },
}

RECORD_COLUMNS = (
    "app_id",
    "app_version",
    "organisation_id",
    "period",
    "data",
    "status",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
)


@dataclass
class Tree:
    """The generated organisations as rows: (id, ods, name, type, parent_id, path)."""

    rows: list[tuple[int, str, str, str, int | None, str]] = field(default_factory=list)

    def of_type(self, kind: str) -> list[tuple[int, str, str, str, int | None, str]]:
        return [r for r in self.rows if r[3] == kind]


def build_tree(rng: random.Random) -> Tree:
    tree = Tree()
    next_id = iter(range(1, 1_000_000))

    def add(ods: str, name: str, kind: str, parent: tuple | None) -> tuple:
        org_id = next(next_id)
        path = (parent[5] if parent else "/") + f"{org_id}/"
        row = (org_id, ods, name, kind, parent[0] if parent else None, path)
        tree.rows.append(row)
        return row

    icbs = [add(f"QB{i:03d}", f"Bench ICB {i:02d}", "icb", None) for i in range(1, ICBS + 1)]
    places = [
        add(f"PB{len(tree.rows):04d}", f"Bench Place {n:03d}", "place", icb)
        for n, icb in enumerate((icb for icb in icbs for _ in range(PLACES_PER_ICB)), 1)
    ]
    pcns = [
        add(f"UB{n:05d}", f"Bench PCN {n:04d}", "pcn", places[(n - 1) % len(places)])
        for n in range(1, PCNS + 1)
    ]
    # Every PCN gets at least 3 practices; the rest land at random (PCNs of 3 to ~12).
    owners = [p for p in pcns for _ in range(3)]
    owners += [rng.choice(pcns) for _ in range(PRACTICES - len(owners))]
    owners.sort(key=lambda p: p[0])
    for n, pcn in enumerate(owners, 1):
        add(f"ZB{n:05d}", f"Bench Practice {n:05d}", "practice", pcn)
    return tree


def _stamp(dialect: str, moment: datetime) -> Any:
    # SQLAlchemy's SQLite DateTime storage format; PostgreSQL takes the datetime itself.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment


def indicator_rows(tree: Tree, rng: random.Random, dialect: str) -> Iterator[tuple]:
    for org_id, *_ in tree.of_type("practice"):
        list_size = rng.randint(1_500, 25_000)
        rates = [rng.uniform(0.01, 0.6) for _ in FIELDS]
        for month_index, period in enumerate(MONTHS):
            data = {
                name: max(0, int(list_size * rate * rng.uniform(0.85, 1.15)))
                for name, rate in zip(FIELDS, rates, strict=True)
            }
            at = _stamp(dialect, STAMP + timedelta(days=31 * month_index + 35))
            yield (INDICATOR_APP, 1, org_id, period, json.dumps(data), "submitted", 1, at, at, at)


def generic_rows(tree: Tree, rng: random.Random, dialect: str, count: int) -> Iterator[tuple]:
    practices = [row[0] for row in tree.of_type("practice")]
    for n in range(count):
        data = {
            "score": rng.randint(0, 100),
            "category": rng.choice(CATEGORIES),
            "done": rng.random() < 0.7,
            "note": f"Generic benchmark record {n}",
        }
        at = _stamp(dialect, STAMP + timedelta(seconds=rng.randint(0, 364 * 86_400)))
        org_id = rng.choice(practices)
        yield (GENERIC_APP, 1, org_id, None, json.dumps(data), "submitted", 1, at, at, at)


def reset_database(url: str) -> None:
    """A fresh, empty database at ``url`` (the SQLite file deleted, the PostgreSQL database
    dropped and created again)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    server, name = url.rsplit("/", 1)
    engine = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    server, name = url.rsplit("/", 1)
    engine = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def generate(url: str, generic: int, seed: int = 2025, log: Any = print) -> dict[str, int]:
    """Create the schema at ``url`` (which must be empty) and fill it; returns row counts."""
    started = time.perf_counter()
    rng = random.Random(seed)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    migrations_api.upgrade(url)
    tree = build_tree(rng)
    now = _stamp(dialect, STAMP)
    orgs = [(*row, False, True, now) for row in tree.rows]
    pcns = tree.of_type("pcn")
    # User 1: platform admin (membership at the first ICB); then one PCN manager per PCN.
    users = [(1, "admin@bench.invalid", "Bench admin", True, now)]
    users += [
        (n, f"pcn{n:05d}@bench.invalid", f"PCN manager {n}", True, now)
        for n in range(2, len(pcns) + 2)
    ]
    memberships = [(1, 1, tree.rows[0][0], "platform_admin")]
    memberships += [(n, n, pcn[0], "pcn_manager") for n, pcn in enumerate(pcns, 2)]

    engine = make_engine(url)
    insert_people(engine, dialect, orgs, users, memberships)
    log(f"  {len(orgs):,} organisations, {len(users):,} users")

    with Session(engine) as session:  # the apps go through the real publishing service
        for raw_definition in (INDICATOR_DEFINITION, GENERIC_DEFINITION):
            app_service.publish(session, validate_definition(raw_definition), None, actor=None)
        session.commit()

    counts = {"organisations": len(orgs), "users": len(users)}
    for app_id, rows in (
        (INDICATOR_APP, indicator_rows(tree, rng, dialect)),
        (GENERIC_APP, generic_rows(tree, rng, dialect, generic)),
    ):
        t0 = time.perf_counter()
        counts[app_id] = bulk_records(engine, dialect, rows)
        log(f"  {counts[app_id]:,} records of {app_id} in {time.perf_counter() - t0:.1f}s")

    t0 = time.perf_counter()
    analyse(engine, url)
    log(
        f"  analysed in {time.perf_counter() - t0:.1f}s; total {time.perf_counter() - started:.1f}s"
    )
    engine.dispose()
    return counts


def insert_people(
    engine: Any,
    dialect: str,
    orgs: list[tuple],
    users: list[tuple],
    memberships: list[tuple],
) -> None:
    """Organisations ``(id, ods, name, type, parent_id, path, is_demo, active,
    created_at)``, users ``(id, email, name, active, created_at)`` and memberships ``(id,
    user_id, organisation_id, role)`` in one transaction with ``executemany``."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        org_sql = (
            "INSERT INTO organisations (id, ods, name, type, parent_id, path, is_demo, active,"
            " created_at) VALUES ({})"
        )
        user_sql = "INSERT INTO users (id, email, name, active, created_at) VALUES ({})"
        member_sql = "INSERT INTO memberships (id, user_id, organisation_id, role) VALUES ({})"
        mark = "?" if dialect == "sqlite" else "%s"
        if dialect == "sqlite":
            cur.execute("BEGIN")
        cur.executemany(org_sql.format(", ".join([mark] * 9)), orgs)
        cur.executemany(user_sql.format(", ".join([mark] * 5)), users)
        cur.executemany(member_sql.format(", ".join([mark] * 4)), memberships)
        if dialect == "postgresql":
            for table in ("organisations", "users", "memberships"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        raw.commit() if dialect == "postgresql" else cur.execute("COMMIT")
    finally:
        raw.close()


def analyse(engine: Any, url: str) -> None:
    """``ANALYZE`` (SQLite) or ``VACUUM ANALYZE`` (PostgreSQL) after a bulk load."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def bulk_records(engine: Any, dialect: str, rows: Iterator[tuple]) -> int:
    """Insert ``rows`` (values of :data:`RECORD_COLUMNS`) in one transaction: batches of
    ``executemany`` on SQLite, ``COPY`` on PostgreSQL; returns how many."""
    columns = ", ".join(RECORD_COLUMNS)
    count = 0
    raw = engine.raw_connection()
    try:
        if dialect == "sqlite":
            sql = f"INSERT INTO records ({columns}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-1000000")  # 1 GB: keeps index pages in memory
            cur.execute("BEGIN")
            batch: list[tuple] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 50_000:
                    cur.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cur.executemany(sql, batch)
            count += len(batch)
            cur.execute("COMMIT")
            cur.execute("PRAGMA synchronous=FULL")
        else:
            driver = raw.driver_connection
            with driver.cursor() as cur, cur.copy(f"COPY records ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            driver.commit()
    finally:
        raw.close()
    return count


def url_for(db: str) -> str:
    return SQLITE_URL if db == "sqlite" else PG_URL


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--generic", type=int, default=200_000, help="generic records")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    url = url_for(args.db)
    print(f"Generating {args.db} data at {url}")
    reset_database(url)
    generate(url, args.generic, args.seed)


if __name__ == "__main__":
    main()
