"""Dashboard against its floor: ``GET /api/v1/apps/<id>/dashboard?org=<ICB>`` through the
real application against a bare Flask app running one hand-written ``GROUP BY`` over the
same records on the same engine (issue 17: at most 2x, at 20,000 and 1,000,000 records).

The data: the national organisation tree of :mod:`generate` and one monthly app shaped like
a return (three numbers, a choice, a yes/no; several records per practice and month)
whose ``--records`` submitted records all lie under one ICB, spread over its practices
and the twelve months of 2025, inserted in bulk (``executemany`` / ``COPY``). An ICB
viewer holds an API token.

Both sides go through Flask's test client (the same transport, the body read in full),
interleaved, ``--runs`` times each after ``--warmup`` untimed calls of each:

* ``dashboard``: the real application, ``Authorization: Bearer <token>`` of the ICB viewer;
* ``floor``: a bare ``Flask(__name__)`` whose one view runs :func:`floor_sql` on a
  connection of the real application's engine and answers its rows with ``jsonify``.

The database is one per size: SQLite ``benchmarks/.data/dashboard_floor_<N>.sqlite3``,
PostgreSQL ``<$MINIAPPS_BENCH_DATABASE or miniapps_bench>_floor_<N>`` (dropped at the end
unless ``--keep``); ``--reuse`` times the data already there.

Before timing, the dashboard's figures are checked against the floor's rows added up in
Python (records in total, by practice and by month; count, sum, min and max of each
number; the counts of each choice); a difference stops the script.

    python benchmarks/dashboard_floor_bench.py --db sqlite --records 20000
    python benchmarks/dashboard_floor_bench.py --db postgresql --records 1000000 --keep
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
from flask import Flask, jsonify
from flask.testing import FlaskClient
from miniapps import create_app, migrations_api
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db, make_engine
from miniapps.models import User
from miniapps.services import apps as app_service
from miniapps.services.users.tokens import create_token
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

APP = "bench_monthly_return"
ICB = "QB001"
NUMBERS = ["appointments", "did_not_attend", "wait_days"]
CHOICE, CHOICES = "staffing", ["full", "short", "critical"]
FLAG = "escalated"
NUMBER_TYPES = {"appointments": "integer", "did_not_attend": "integer", "wait_days": "float8"}
TARGET = 2.0
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_bench") + "_floor"


def url_for(db_name: str, records: int) -> str:
    """One database per size, so that both sizes can be kept and reused."""
    if db_name == "sqlite":
        return f"sqlite:///{generate.DATA_DIR / f'dashboard_floor_{records}.sqlite3'}"
    return f"{generate.PG_SERVER}/{PG_DATABASE}_{records}"


DEFINITION: dict[str, Any] = {
    "id": APP,
    "title": "Benchmark monthly return",
    "version": 1,
    "period": {"frequency": "monthly", "several": True},
    "schema": {
        "type": "object",
        "properties": {
            "appointments": {"type": "integer", "minimum": 0, "title": "Appointments"},
            "did_not_attend": {"type": "integer", "minimum": 0, "title": "Did not attend"},
            "wait_days": {"type": "number", "minimum": 0, "title": "Wait (days)"},
            "staffing": {"type": "string", "enum": CHOICES, "title": "Staffing"},
            "escalated": {"type": "boolean", "title": "Escalated"},
        },
    },
}


def return_rows(
    practices: list[int], rng: random.Random, dialect: str, count: int
) -> Iterator[tuple[Any, ...]]:
    """``count`` submitted records spread over ``practices`` and the months of 2025."""
    for _ in range(count):
        month = rng.randrange(12)
        data = {
            "appointments": rng.randint(50, 2_000),
            "did_not_attend": rng.randint(0, 120),
            "wait_days": round(rng.uniform(0, 30), 1),
            "staffing": rng.choices(CHOICES, (6, 3, 1))[0],
            "escalated": rng.random() < 0.1,
        }
        moment = generate.STAMP + timedelta(days=31 * month + rng.randint(1, 27))
        at = generate._stamp(dialect, moment)
        period = generate.MONTHS[month]
        yield (APP, 1, rng.choice(practices), period, json.dumps(data), "submitted", 1, at, at, at)


def build(url: str, records: int, seed: int) -> None:
    """A fresh database at ``url``: the tree, an ICB viewer, the app and its records."""
    started = time.perf_counter()
    rng = random.Random(seed)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    generate.reset_database(url)
    migrations_api.upgrade(url)
    tree = generate.build_tree(rng)
    now = generate._stamp(dialect, generate.STAMP)
    icb = next(row for row in tree.rows if row[1] == ICB)
    practices = [row[0] for row in tree.of_type("practice") if row[5].startswith(icb[5])]
    engine = make_engine(url)
    generate.insert_people(
        engine,
        dialect,
        [(*row, False, True, now) for row in tree.rows],
        [(1, "icb@bench.invalid", "ICB analyst", True, now)],
        [(1, 1, icb[0], "icb_viewer")],
    )
    with Session(engine) as session:
        app_service.publish(session, validate_definition(DEFINITION), None, actor=None)
        session.commit()
    t0 = time.perf_counter()
    generate.bulk_records(engine, dialect, return_rows(practices, rng, dialect, records))
    print(
        f"  {records:,} records over {len(practices)} practices in {time.perf_counter() - t0:.1f}s"
    )
    generate.analyse(engine, url)
    engine.dispose()
    print(f"  built in {time.perf_counter() - started:.1f}s")


def floor_sql(dialect: str) -> str:
    """The floor: one statement over the ICB's records, grouped by practice (ODS code) and
    period: records, then count/sum/min/max of each number, then how many records hold
    each choice and each yes/no answer. Each JSON value is extracted once, in a subquery
    the aggregate reads (kept apart with ``OFFSET 0``, as the dashboard's own statement
    keeps its facts apart)."""
    if dialect == "sqlite":
        numbers = [f"json_extract(r.data, '$.{name}') AS {name}" for name in NUMBERS]
        choice = f"json_extract(r.data, '$.{CHOICE}') AS {CHOICE}"
        flag = f"json_type(r.data, '$.{FLAG}') AS {FLAG}"
        limit, truthy, falsy = " LIMIT -1 OFFSET 0", "'true'", "'false'"
    else:
        # Integers as integer (their sums are bigint), the decimal as float8: no numeric.
        numbers = [f"(r.data->>'{name}')::{NUMBER_TYPES[name]} AS {name}" for name in NUMBERS]
        choice = f"r.data->>'{CHOICE}' AS {CHOICE}"
        flag = f"(r.data->'{FLAG}')::text AS {FLAG}"
        limit, truthy, falsy = " OFFSET 0", "'true'", "'false'"
    stats = ", ".join(f"count({n}), sum({n}), min({n}), max({n})" for n in NUMBERS)
    counts = ", ".join(f"sum(CASE WHEN {CHOICE} = '{c}' THEN 1 ELSE 0 END)" for c in CHOICES)
    flags = ", ".join(f"sum(CASE WHEN {FLAG} = {v} THEN 1 ELSE 0 END)" for v in (truthy, falsy))
    return (
        f"SELECT ods, period, count(*), {stats}, {counts}, {flags} FROM ("
        f"SELECT o.ods AS ods, r.period AS period, {', '.join(numbers)}, {choice}, {flag}"
        " FROM records r JOIN organisations o ON o.id = r.organisation_id"
        " WHERE r.app_id = :app AND r.status <> 'draft' AND o.path LIKE :prefix"
        f"{limit}) AS facts GROUP BY ods, period"
    )


def floor_app(engine: Engine, dialect: str, prefix: str) -> Flask:
    """A bare Flask app whose one view is the floor statement answered as JSON."""
    bare = Flask("dashboard_floor")
    statement = text(floor_sql(dialect))

    @bare.get("/floor")
    def floor() -> Any:
        with engine.connect() as conn:
            rows = conn.execute(statement, {"app": APP, "prefix": prefix}).all()
        return jsonify([list(row) for row in rows])  # Flask writes a Decimal as a string

    return bare


def rolled_up(rows: list[list[Any]]) -> dict[str, Any]:
    """The floor's rows added up into what the dashboard shows."""
    by_org: dict[str, int] = {}
    by_period: dict[str, int] = {}
    numbers: list[list[Any]] = [[0, 0, None, None] for _ in NUMBERS]
    choices = [0] * (len(CHOICES) + 2)
    for ods, period, records, *rest in rows:
        by_org[ods] = by_org.get(ods, 0) + records
        by_period[period] = by_period.get(period, 0) + records
        for index, figures in enumerate(numbers):
            count, total, low, high = map(_number, rest[4 * index : 4 * index + 4])
            figures[0] += count
            figures[1] += total or 0
            figures[2] = low if figures[2] is None else min(figures[2], low)
            figures[3] = high if figures[3] is None else max(figures[3], high)
        for index, count in enumerate(rest[4 * len(NUMBERS) :]):
            choices[index] += count
    return {"by_org": by_org, "by_period": by_period, "numbers": numbers, "choices": choices}


def _number(value: Any) -> Any:
    """A figure of the floor's JSON: PostgreSQL's numerics come as strings."""
    return float(value) if isinstance(value, str) else value


def check(dashboard: dict[str, Any], floor: dict[str, Any]) -> None:
    """The dashboard's figures equal the floor's (else the comparison means nothing)."""
    widgets = {w["id"]: w["data"] for w in dashboard["widgets"]}
    problems = []
    if widgets["records"]["by_org"] != floor["by_org"]:
        problems.append("records by practice")
    if widgets["records"]["total"] != sum(floor["by_org"].values()):
        problems.append("records in total")
    periods = {p["period"]: p["count"] for p in widgets["records_by_period"]["periods"]}
    if periods != floor["by_period"]:
        problems.append("records by period")
    for name, (count, total, low, high) in zip(NUMBERS, floor["numbers"], strict=True):
        mine = widgets[f"/{name}"]
        same = (mine["count"], mine["min"], mine["max"]) == (count, low, high)
        if not same or not math.isclose(mine["sum"], total, rel_tol=1e-9):
            problems.append(f"/{name}: {mine} against {(count, total, low, high)}")
    counts = [widgets[f"/{CHOICE}"]["counts"].get(c, 0) for c in CHOICES]
    counts += [widgets[f"/{FLAG}"]["counts"].get(v, 0) for v in ("true", "false")]
    if counts != floor["choices"]:
        problems.append(f"choices {counts} against {floor['choices']}")
    if problems:
        raise SystemExit(f"The dashboard differs from the floor: {problems}")


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# The clock of the timings: wall time, or (``--clock cpu``) this process's CPU time.
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def timed_get(client: FlaskClient, path: str, headers: dict[str, str]) -> tuple[float, bytes]:
    t0 = clock()
    response = client.get(path, headers=headers)
    body = response.get_data()
    elapsed = (clock() - t0) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {body[:300]!r}")
    return elapsed, body


def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    real = create_app({"DATABASE_URL": url, "SECRET_KEY": "dashboard-floor-bench"})
    engine = db.engine(real)
    dialect = engine.dialect.name
    with Session(engine) as session:
        user = session.scalars(select(User)).one()
        token = create_token(session, user)
        session.commit()
        prefix = session.execute(text(f"SELECT path FROM organisations WHERE ods = '{ICB}'"))
        prefix_path = prefix.scalar_one()
        records = session.execute(select(func.count()).select_from(text("records"))).scalar()
    dash_client, floor_client = real.test_client(), floor_app(engine, dialect, prefix_path + "%")
    dash_path, headers = (
        f"/api/v1/apps/{APP}/dashboard?org={ICB}",
        {"Authorization": f"Bearer {token}"},
    )
    floor_test_client = floor_client.test_client()

    def dash() -> tuple[float, bytes]:
        return timed_get(dash_client, dash_path, headers)

    def floor() -> tuple[float, bytes]:
        return timed_get(floor_test_client, "/floor", {})

    _, dash_body = dash()
    _, floor_body = floor()
    check(json.loads(dash_body), rolled_up(json.loads(floor_body)))
    for _ in range(args.warmup):
        dash()
        floor()
    timings: dict[str, list[float]] = {"dashboard": [], "floor": []}
    sides: list[tuple[str, Callable[[], tuple[float, bytes]]]] = [
        ("dashboard", dash),
        ("floor", floor),
    ]
    for run in range(args.runs):
        for name, call in sides if run % 2 == 0 else sides[::-1]:
            timings[name].append(call()[0])
    if args.profile:
        profile(dash, args.profile)
    if args.explain:
        explain(real, engine, dash, prefix_path + "%")
    result: dict[str, Any] = {
        "records": records,
        "dash_bytes": len(dash_body),
        "floor_bytes": len(floor_body),
    }
    result.update(timings)
    engine.dispose()
    return result


def profile(call: Callable[[], Any], top: int) -> None:
    """cProfile over ten dashboard requests: the ``top`` functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        call()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def explain(real: Flask, engine: Engine, dash: Callable[[], Any], prefix: str) -> None:
    """The plans of the dashboard's slowest statement and of the floor's."""
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["floor_bench_t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((time.perf_counter() - conn.info["floor_bench_t0"], statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dash()
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    elapsed, statement, parameters = max(seen, key=lambda entry: entry[0])
    dialect = engine.dialect.name
    prefix_sql = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    print(f"\n-- dashboard: {len(seen)} statements, the slowest ({elapsed * 1000:.1f} ms):")
    print(" ".join(statement.split()))
    with engine.connect() as conn:
        for row in conn.exec_driver_sql(prefix_sql + statement, parameters):
            print("   ", row[-1])
        print(f"\n-- floor:\n{floor_sql(dialect)}")
        for row in conn.execute(
            text(prefix_sql + floor_sql(dialect)), {"app": APP, "prefix": prefix}
        ):
            print("   ", row[-1])


def print_table(db_name: str, result: dict[str, Any], clock_name: str = "wall") -> None:
    d50, d95 = percentile(result["dashboard"], 50), percentile(result["dashboard"], 95)
    f50, f95 = percentile(result["floor"], 50), percentile(result["floor"], 95)
    ratio50, ratio95 = d50 / f50, d95 / f95
    verdict = "ok" if max(ratio50, ratio95) <= TARGET else "MISS"
    print(
        f"\n{db_name}, {result['records']:,} records under {ICB}, {len(result['dashboard'])}"
        f" interleaved runs (ms, {clock_name} time; answers {result['dash_bytes']:,} and"
        f" {result['floor_bytes']:,} bytes)\n"
    )
    print(
        "| database | records | dash p50 | dash p95 | floor p50 | floor p95 | x p50 | x p95"
        " | target |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    print(
        f"| {db_name} | {result['records']:,} | {d50:.1f} | {d95:.1f} | {f50:.1f} | {f95:.1f} |"
        f" {ratio50:.2f} | {ratio95:.2f} | <= {TARGET:.0f}x: {verdict} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--records", type=int, default=20_000, help="records under the ICB")
    parser.add_argument("--runs", type=int, default=30, help="timed requests of each side")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests of each side")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--reuse", action="store_true", help="keep the data already generated")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile: top N functions"
    )
    parser.add_argument("--explain", action="store_true", help="plans of both statements")
    parser.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="wall time, or this process's CPU time (SQLite: the database's work included,"
        " steadier on a busy machine; PostgreSQL: the server's work left out)",
    )
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    url = url_for(args.db, args.records)
    if not args.reuse:
        print(f"Generating {args.db} data ({args.records:,} records) at {url}")
        build(url, args.records, args.seed)
    try:
        print_table(args.db, measure(args, url), args.clock)
    finally:
        if args.db == "postgresql" and not args.keep:
            generate.drop_database(url)


if __name__ == "__main__":
    main()
