"""Dashboard benchmark: ``app_dashboard`` JSON at practice, PCN and ICB level against a
hand-written SQL aggregate over the same records.

For each level and role (a platform admin everywhere; a PCN manager at their own PCN and
one of its practices) it times ``--runs`` dashboards over ``--orgs`` random organisations
(one untimed warm-up per organisation), each in a fresh session as a request would be:
``app_dashboard(...)`` plus ``json.dumps`` of the answer. Beside it, two hand-written SQL
baselines over the same subtree, app and status:

* ``sql`` - one query: count/sum/mean/min/max of the ten fields (the numbers of the
  ``number_summary`` widgets);
* ``full`` - one query grouped by organisation and period, rolled up in Python into every
  number the dashboard shows (summaries, trends, records by organisation, by child).

Ratios are dashboard p95 / baseline p95. The first organisation of each level is checked:
the dashboard's summaries must equal the hand-written ones.

    python benchmarks/dashboard_bench.py --db sqlite --generic 200000
    python benchmarks/dashboard_bench.py --db postgresql --reuse --explain
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
from miniapps.db import make_engine
from miniapps.models import App, Organisation, Record, User
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.permissions import Access
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

FIELDS = generate.FIELDS
APP = generate.INDICATOR_APP
# (level, p95 ceiling in ms, ceiling as a multiple of the hand-written SQL p95)
TARGETS = {"practice": (50.0, None), "pcn": (None, None), "icb": (150.0, 2.0)}


@dataclass
class Case:
    level: str
    role: str
    pairs: list[tuple[int, int]]  # (user id, organisation id)


@dataclass
class Result:
    case: Case
    records: float
    queries: int
    dashboard: list[float]
    sql: list[float]
    full: list[float]
    slowest: list[tuple[float, str, Any]]


def summary_sql(dialect: str) -> str:
    """The hand-written aggregate: the ten fields' count/sum/mean/min/max in one scan."""
    value = "json_extract(r.data, '$.{0}')" if dialect == "sqlite" else "(r.data->>'{0}')::bigint"
    columns = ", ".join(
        f"count({v}), sum({v}), avg({v}), min({v}), max({v})"
        for v in (value.format(name) for name in FIELDS)
    )
    return (
        f"SELECT count(*), {columns} FROM records r"
        " JOIN organisations o ON o.id = r.organisation_id"
        " WHERE r.app_id = :app AND r.status <> 'draft' AND o.path LIKE :prefix"
    )


def full_sql(dialect: str) -> str:
    """Per organisation and period: count, and per field count/sum/min/max."""
    value = "json_extract(r.data, '$.{0}')" if dialect == "sqlite" else "(r.data->>'{0}')::bigint"
    columns = ", ".join(
        f"count({v}), sum({v}), min({v}), max({v})" for v in (value.format(name) for name in FIELDS)
    )
    return (
        f"SELECT o.path, o.ods, r.period, count(*), {columns} FROM records r"
        " JOIN organisations o ON o.id = r.organisation_id"
        " WHERE r.app_id = :app AND r.status <> 'draft' AND o.path LIKE :prefix"
        " GROUP BY o.path, o.ods, r.period"
    )


def run_full(session: Session, sql: str, path: str, child_paths: list[str]) -> dict[str, Any]:
    """Every number of the dashboard from one grouped query, rolled up in Python."""
    rows = session.execute(text(sql), {"app": APP, "prefix": path + "%"}).all()
    by_org: dict[str, int] = defaultdict(int)
    by_period: dict[str, list[int]] = defaultdict(lambda: [0] * (1 + 2 * len(FIELDS)))
    by_child: dict[str, list[Any]] = {}
    totals = [0, 0, None, None] * len(FIELDS)
    for row in rows:
        org_path, ods, period, count = row[0], row[1], row[2], row[3]
        by_org[ods] += count
        trend = by_period[period]
        trend[0] += count
        child = next((p for p in child_paths if org_path.startswith(p)), None)
        bucket = by_child.setdefault(child, [0, 0, None, None] * len(FIELDS)) if child else None
        for i in range(len(FIELDS)):
            n, s, lo, hi = row[4 + 4 * i : 8 + 4 * i]
            trend[1 + 2 * i] += n
            trend[2 + 2 * i] += s or 0
            for target in (totals, bucket) if bucket is not None else (totals,):
                target[4 * i] += n
                target[4 * i + 1] += s or 0
                if lo is not None and (target[4 * i + 2] is None or lo < target[4 * i + 2]):
                    target[4 * i + 2] = lo
                if hi is not None and (target[4 * i + 3] is None or hi > target[4 * i + 3]):
                    target[4 * i + 3] = hi
    return {"by_org": by_org, "by_period": by_period, "by_child": by_child, "totals": totals}


def percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class StatementLog:
    """Every statement an engine runs, with its time, while ``on``."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.entries: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if self.on:
            elapsed = (time.perf_counter() - conn.info["bench_t0"]) * 1000
            self.entries.append((elapsed, statement, parameters))


def pick_cases(session: Session, rng: random.Random, count: int) -> list[Case]:
    orgs = session.execute(select(Organisation.id, Organisation.type, Organisation.parent_id)).all()
    by_type: dict[str, list[int]] = defaultdict(list)
    practices_of: dict[int, list[int]] = defaultdict(list)
    for org_id, kind, parent_id in orgs:
        by_type[kind].append(org_id)
        if kind == "practice":
            practices_of[parent_id].append(org_id)
    admin = session.scalar(select(User.id).where(User.email == "admin@bench.invalid"))
    managers = dict(
        session.execute(
            text("SELECT organisation_id, user_id FROM memberships WHERE role = 'pcn_manager'")
        ).all()
    )
    cases = [
        Case(level, "admin", [(admin, o) for o in rng.sample(by_type[level], count)])
        for level in ("practice", "pcn", "icb")
    ]
    pcns = rng.sample(by_type["pcn"], count)
    cases.insert(
        1,
        Case(
            "practice",
            "pcn_manager",
            [(managers[p], rng.choice(practices_of[p])) for p in pcns],
        ),
    )
    cases.insert(3, Case("pcn", "pcn_manager", [(managers[p], p) for p in pcns]))
    return cases


def bench_case(
    engine: Engine,
    log: StatementLog,
    case: Case,
    runs: int,
    dialect: str,
    clock: Callable[[], float] = time.perf_counter,
) -> Result:
    sql, full = summary_sql(dialect), full_sql(dialect)
    timings: dict[str, list[float]] = {"dashboard": [], "sql": [], "full": []}
    records: list[int] = []
    queries = 0
    slowest: list[tuple[float, str, Any]] = []

    def timed(kind: str, action: Callable[[], Any]) -> Any:
        t0 = clock()
        out = action()
        timings[kind].append((clock() - t0) * 1000)
        return out

    for n in range(len(case.pairs) + runs):
        warm_up = n < len(case.pairs)
        user_id, org_id = case.pairs[n % len(case.pairs)]
        with Session(engine) as session:
            access = Access(session.get(User, user_id))
            app = session.get(App, APP)
            org = session.get(Organisation, org_id)
            child_paths = [
                p
                for (p,) in session.execute(
                    select(Organisation.path).where(Organisation.parent_id == org.id)
                )
            ]
            if warm_up:
                answer = app_dashboard(session, access, app, org)
                json.dumps(answer)
                sql_row = session.execute(text(sql), {"app": APP, "prefix": org.path + "%"}).one()
                rolled = run_full(session, full, org.path, child_paths)
                check(answer, sql_row, rolled, case, org)
                records.append(answer["widgets"][0]["data"]["total"])
                continue
            log.entries.clear()
            log.on = True
            timed("dashboard", lambda: json.dumps(app_dashboard(session, access, app, org)))  # noqa: B023
            log.on = False
            queries = len(log.entries)
            slowest = sorted(log.entries + slowest, key=lambda e: -e[0])[:3]
            timed(
                "sql",
                lambda: session.execute(text(sql), {"app": APP, "prefix": org.path + "%"}).one(),  # noqa: B023
            )
            timed("full", lambda: run_full(session, full, org.path, child_paths))  # noqa: B023
    return Result(
        case,
        statistics.mean(records),
        queries,
        timings["dashboard"],
        timings["sql"],
        timings["full"],
        slowest,
    )


def check(
    answer: dict[str, Any], sql_row: Any, rolled: dict[str, Any], case: Case, org: Organisation
) -> None:
    """The dashboard's numbers equal the hand-written ones (else the comparison is void)."""
    widgets = {w["id"]: w["data"] for w in answer["widgets"]}
    problems = []
    if widgets["records"]["total"] != sql_row[0]:
        problems.append(f"records {widgets['records']['total']} != {sql_row[0]}")
    for i, name in enumerate(FIELDS):
        mine = widgets[f"/{name}"]
        count, total, mean, low, high = sql_row[1 + 5 * i : 6 + 5 * i]
        expected = {"count": count, "sum": int(total or 0), "min": low, "max": high}
        got = {k: mine[k] for k in expected}
        if got != expected or (count and abs(mine["mean"] - float(mean)) > 1e-3):
            problems.append(f"/{name}: {got} != {expected}")
        n, s = rolled["totals"][4 * i], rolled["totals"][4 * i + 1]
        if (n, s) != (count, int(total or 0)):
            problems.append(f"/{name} full: {(n, s)} != {(count, total)}")
    if dict(rolled["by_org"]) != widgets["records"]["by_org"]:
        problems.append("records by organisation differ")
    if problems:
        raise SystemExit(f"Mismatch at {case.level}/{case.role} {org.ods}: {problems[:3]}")


def verdict(result: Result) -> str:
    ceiling, multiple = TARGETS[result.case.level]
    p95 = percentile(result.dashboard, 95)
    parts = []
    if ceiling is not None:
        parts.append(f"p95<={ceiling:.0f}ms {'ok' if p95 <= ceiling else 'MISS'}")
    if multiple is not None:
        ratio = p95 / percentile(result.sql, 95)
        parts.append(f"<={multiple:.0f}x sql {'ok' if ratio <= multiple else 'MISS'}")
    return "; ".join(parts) or "-"


def print_table(dialect: str, results: list[Result], clock: str = "wall") -> None:
    header = (
        f"{'level':<9}{'role':<12}{'records':>8}{'queries':>8}"
        f"{'dash p50':>10}{'dash p95':>10}{'sql p50':>9}{'sql p95':>9}{'full p95':>10}"
        f"{'x sql':>8}{'x full':>8}  target"
    )
    print(f"\n== {dialect}: dashboard JSON vs hand-written SQL (ms, {clock} time) ==")
    print(header)
    print("-" * len(header))
    for r in results:
        d50, d95 = percentile(r.dashboard, 50), percentile(r.dashboard, 95)
        s50, s95, f95 = percentile(r.sql, 50), percentile(r.sql, 95), percentile(r.full, 95)
        print(
            f"{r.case.level:<9}{r.case.role:<12}{r.records:>8.0f}{r.queries:>8}"
            f"{d50:>10.1f}{d95:>10.1f}{s50:>9.1f}{s95:>9.1f}{f95:>10.1f}"
            f"{d95 / s95:>8.1f}{d95 / f95:>8.1f}  {verdict(r)}"
        )


def explain(engine: Engine, dialect: str, results: list[Result]) -> None:
    """The plan of the slowest dashboard statement at each level (admin)."""
    for r in results:
        if r.case.role != "admin" or not r.slowest:
            continue
        elapsed, statement, parameters = r.slowest[0]
        print(f"\n-- slowest dashboard statement at {r.case.level} ({elapsed:.1f} ms):")
        print(" ".join(statement.split()))
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        with engine.connect() as conn:
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                print("   ", row[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--generic", type=int, default=200_000, help="generic records")
    parser.add_argument("--orgs", type=int, default=10, help="random organisations per level")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per level and role")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the data already generated")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    parser.add_argument("--explain", action="store_true", help="plan of the slowest statements")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: this process's CPU time (on SQLite it includes the database's work, on "
        "PostgreSQL it leaves out the server's); steadier than wall time on a busy machine",
    )
    args = parser.parse_args(argv)

    url = generate.url_for(args.db)
    if not args.reuse:
        print(f"Generating {args.db} data ({args.generic:,} generic records) at {url}")
        generate.reset_database(url)
        generate.generate(url, args.generic)
    engine = make_engine(url)
    try:
        log = StatementLog(engine)
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(Record))
            cases = pick_cases(session, random.Random(args.seed), args.orgs)
        print(
            f"{args.db}: {total:,} records in the table; {args.runs} timed runs per row over "
            f"{args.orgs} random organisations"
        )
        results = []
        for case in cases:
            clock = time.process_time if args.clock == "cpu" else time.perf_counter
            results.append(bench_case(engine, log, case, args.runs, args.db, clock))
            print(f"  {case.level}/{case.role} done", flush=True)
        print_table(args.db, results, args.clock)
        if args.explain:
            explain(engine, args.db, results)
    finally:
        engine.dispose()
        if args.db == "postgresql" and not args.keep:
            generate.drop_database(url)


if __name__ == "__main__":
    main()
