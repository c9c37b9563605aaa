"""Export benchmark: CSV, JSON and XLSX of a national-size app through the real CLI.

On a fresh database, one app per ``--fields`` count is published through the real service
(fields cycling text, number, date, choice), and ``--records`` submitted records of each
are bulk-inserted (``executemany`` on SQLite, ``COPY`` on PostgreSQL) spread evenly over
ten practices of one ICB. Each export then runs as its own subprocess,
``miniapps records export APP --format F --out FILE``, timed from start to exit, its peak
RSS read from ``os.wait4`` (that child's own, not the largest so far). Every export runs
twice: for the whole ICB (all records) and for one practice (a tenth), so the two peak RSS
figures show whether memory grows with the records. One browser download is measured
in-process (Flask test client, body consumed chunk by chunk) at the smaller size.

    python benchmarks/export_bench.py --db sqlite --records 5000 --fields 50
    python benchmarks/export_bench.py --db sqlite                      # 150,000 x 50 and 500
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))
sys.path.insert(0, str(HERE))

from generate import drop_database, reset_database  # noqa: E402
from miniapps import create_app, migrations_api  # noqa: E402
from miniapps.core.definitions.loading import validate_definition  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.models import Organisation  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from miniapps.services.users.accounts import create_user  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

DATA_DIR = HERE / ".data"
SQLITE_URL = f"sqlite:///{DATA_DIR / 'export_bench.sqlite3'}"
PG_SERVER = os.environ.get("MINIAPPS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_export_bench")
MINIAPPS = Path(sys.executable).parent / "miniapps"
FORMATS = ("csv", "json", "xlsx")
TARGETS = {("csv", 500): 60.0, ("xlsx", 500): 300.0}  # seconds, 150,000 records (issue 17)
ICB, PRACTICES, EMPTY = "QX001", [f"QXP{n:02d}" for n in range(1, 11)], "QXP99"
ADMIN, PASSWORD = "export-admin@bench.invalid", "export benchmark 2026"
CHOICES = ["red", "amber", "green", "blue", "grey"]
STAMP = datetime(2025, 1, 1, tzinfo=UTC)
POOL = 499  # distinct data objects per app, cycled (generation stays fast)


def app_id(fields: int) -> str:
    return f"export_f{fields}"


def definition(fields: int) -> dict[str, Any]:
    """``fields`` fields cycling text, number, date, choice (``f001`` ...)."""
    kinds: list[dict[str, Any]] = [
        {"type": "string", "maxLength": 200},
        {"type": "number"},
        {"type": "string", "format": "date"},
        {"type": "string", "enum": CHOICES},
    ]
    properties = {f"f{n:03d}": {**kinds[n % 4], "title": f"Field {n}"} for n in range(fields)}
    return {
        "id": app_id(fields),
        "title": f"Export benchmark, {fields} fields",
        "version": 1,
        "schema": {"type": "object", "properties": properties},
    }


def data_pool(fields: int, rng: random.Random) -> list[str]:
    pool = []
    for _ in range(POOL):
        values: dict[str, Any] = {}
        for n in range(fields):
            kind = n % 4
            if kind == 0:
                values[f"f{n:03d}"] = f"Answer {rng.randint(0, 10**6)} to question {n}"
            elif kind == 1:
                values[f"f{n:03d}"] = round(rng.uniform(0, 1000), 2)
            elif kind == 2:
                values[f"f{n:03d}"] = (
                    date(2025, 1, 1) + timedelta(rng.randint(0, 364))
                ).isoformat()
            else:
                values[f"f{n:03d}"] = rng.choice(CHOICES)
        pool.append(json.dumps(values))
    return pool


def record_rows(
    app: str, pool: list[str], org_ids: list[int], count: int, dialect: str
) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        moment = STAMP + timedelta(seconds=n * 60)
        at: Any = moment.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment
        org = org_ids[n % len(org_ids)]
        yield (app, 1, org, None, pool[n % len(pool)], "submitted", 1, at, at, at)


def generate(url: str, field_counts: list[int], records: int, seed: int) -> None:
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    migrations_api.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        icb = Organisation(ods=ICB, name="Export bench ICB", type="icb", path="/")
        session.add(icb)
        session.flush()
        icb.path = f"/{icb.id}/"
        for ods in [*PRACTICES, EMPTY]:
            practice = Organisation(ods=ods, name=f"Practice {ods}", type="practice", path="/")
            practice.parent_id = icb.id
            session.add(practice)
            session.flush()
            practice.path = f"{icb.path}{practice.id}/"
        create_user(session, ADMIN, "Export admin", PASSWORD, "platform_admin", icb)
        for fields in field_counts:
            app_service.publish(session, validate_definition(definition(fields)), None, actor=None)
        session.commit()
        org_ids = [
            session.scalars(text("SELECT id FROM organisations WHERE ods = :o"), {"o": o}).one()
            for o in PRACTICES
        ]
    rng = random.Random(seed)
    for fields in field_counts:
        started = time.perf_counter()
        rows = record_rows(app_id(fields), data_pool(fields, rng), org_ids, records, dialect)
        bulk_insert(engine, dialect, rows)
        print(f"  {records:,} records x {fields} fields in {time.perf_counter() - started:.1f}s")
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


COLUMNS = (
    "app_id, app_version, organisation_id, period, data, status, version, created_at,"
    " updated_at, submitted_at"
)


def bulk_insert(engine: Any, dialect: str, rows: Iterator[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        if dialect == "sqlite":
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
            sql = f"INSERT INTO records ({COLUMNS}) VALUES ({', '.join('?' * 10)})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 2_000:
                    cur.executemany(sql, batch)
                    batch = []
            cur.executemany(sql, batch)
            cur.execute("COMMIT")
        else:
            driver = raw.driver_connection
            with driver.cursor() as cur, cur.copy(f"COPY records ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            driver.commit()
    finally:
        raw.close()


def run_export(url: str, app: str, fmt: str, ods: str, out: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one ``miniapps records export``
    child process (from ``os.wait4``: that child's own figures)."""
    env = {**os.environ, "MINIAPPS_DATABASE_URL": url}
    args = [str(MINIAPPS), "records", "export", app, "--format", fmt, "--org", ods]
    started = time.perf_counter()
    child = subprocess.Popen([*args, "--out", str(out)], env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    message = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"export failed ({' '.join(args)}):\n{message}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def web_download(url: str, app: str, ods: str) -> dict[str, Any]:
    """One CSV download through the Flask test client, the body read chunk by chunk."""
    flask_app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "export-bench", "WTF_CSRF_ENABLED": False}
    )
    client = flask_app.test_client()
    signed_in = client.post("/auth/login", data={"email": ADMIN, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/apps/{app}/export?format=csv&org={ods}", buffered=False)
    first = time.perf_counter() - started
    chunks, size, largest = 0, 0, 0
    for chunk in response.response:
        chunks, size, largest = chunks + 1, size + len(chunk), max(largest, len(chunk))
    response.close()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 200 and size == int(response.headers["Content-Length"])
    return {
        "seconds": seconds,
        "first": first,
        "bytes": size,
        "chunks": chunks,
        "largest": largest,
        "peak": peak,
    }


@dataclass
class Result:
    fields: int
    fmt: str
    records: int
    wall: float
    cpu: float
    rss: int  # KiB
    size: int  # bytes

    def line(self, empty: tuple[float, float, int]) -> str:
        """A table row; records/s from CPU time less the start-up's (steady on a busy
        machine, where wall time is mostly waiting for a core)."""
        net_cpu = max(self.cpu - empty[1], 0.001)
        target = TARGETS.get((self.fmt, self.fields))
        verdict = "-"
        if target is not None:
            scaled = target * self.records / 150_000
            verdict = (
                f"<= {scaled:.0f} s: wall {_mark(self.wall, scaled)}, CPU {_mark(self.cpu, scaled)}"
            )
        return (
            f"| {self.fields} | {self.fmt} | {self.records:,} | {self.wall:.1f} | {self.cpu:.1f}"
            f" | {net_cpu:.1f} | {self.records / net_cpu:,.0f} | {self.rss / 1024:.0f}"
            f" | {self.size / 2**20:.1f} | {verdict} |"
        )


def _mark(seconds: float, target: float) -> str:
    return f"{'ok' if seconds <= target else 'MISSED'} ({seconds / target:.2f}x)"


def print_report(
    args: argparse.Namespace,
    results: list[Result],
    empty: tuple[float, float, int],
    web: dict[str, Any] | None,
) -> None:
    print(
        f"\n{args.db}, each export its own `miniapps records export` process; an export of no"
        f" record takes {empty[0]:.1f} s ({empty[1]:.1f} s CPU) and {empty[2] / 1024:.0f} MiB"
        " (start-up: imports, app factory).\n"
    )
    print(
        "| fields | format | records | wall s | CPU s | CPU s less start-up | records/s (CPU)"
        " | peak RSS MiB | file MiB | target (scaled to the records) |"
    )
    print("|--:|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for result in results:
        print(result.line(empty))
    small = {(r.fields, r.fmt): r.rss for r in results if r.records < args.records}
    growth = [
        f"{r.fmt} x {r.fields}: {r.rss / small[(r.fields, r.fmt)]:.2f}"
        for r in results
        if r.records == args.records and (r.fields, r.fmt) in small
    ]
    if growth:
        print(f"\nPeak RSS with all records / with a tenth of them: {', '.join(growth)}")
    if web:
        print(
            f"\nBrowser CSV download ({args.records // len(PRACTICES):,} records x"
            f" {args.fields[0]} fields, Flask test client): {web['seconds']:.1f} s, headers"
            f" after {web['first']:.1f} s (the file is written first), {web['bytes'] / 2**20:.1f}"
            f" MiB in {web['chunks']:,} chunks of at most {web['largest'] / 1024:.0f} KiB;"
            f" Python's peak allocation {web['peak'] / 2**20:.1f} MiB"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--records", type=int, default=150_000, help="records per app")
    parser.add_argument("--fields", type=int, nargs="+", default=[50, 500], help="field counts")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--reuse", action="store_true", help="keep the data already generated")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    parser.add_argument("--no-web", action="store_true", help="skip the browser download")
    parser.add_argument(
        "--one-size", action="store_true", help="only the whole ICB (not also one practice)"
    )
    args = parser.parse_args(argv)
    url = SQLITE_URL if args.db == "sqlite" else f"{PG_SERVER}/{PG_DATABASE}"
    free = shutil.disk_usage(tempfile.gettempdir()).free / 2**30
    print(f"Export benchmark, {args.db}: {args.records:,} records x {args.fields} fields")
    print(f"  {free:.0f} GiB free for temporary files")
    if not args.reuse:
        reset_database(url)
        started = time.perf_counter()
        generate(url, args.fields, args.records, args.seed)
        print(f"  generated in {time.perf_counter() - started:.1f}s")
    sizes = [(ICB, args.records)]
    if not args.one_size:
        sizes.insert(0, (PRACTICES[0], args.records // len(PRACTICES)))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        empty = run_export(url, app_id(args.fields[0]), "csv", EMPTY, Path(folder) / "empty.csv")
        for fields in args.fields:
            for fmt in args.formats:
                for ods, count in sizes:
                    out = Path(folder) / f"{app_id(fields)}-{ods}.{fmt}"
                    wall, cpu, rss = run_export(url, app_id(fields), fmt, ods, out)
                    results.append(Result(fields, fmt, count, wall, cpu, rss, out.stat().st_size))
                    out.unlink()
                    print(f"  {results[-1].line(empty)}", flush=True)
        web = None if args.no_web else web_download(url, app_id(args.fields[0]), PRACTICES[0])
    print_report(args, results, empty, web)
    if args.db == "postgresql" and not args.keep:
        drop_database(url)


if __name__ == "__main__":
    main()
