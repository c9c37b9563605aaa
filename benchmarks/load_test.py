"""Load test on loopback: the real server (``miniapps serve``) under concurrent clients.

Migrates a fresh database, seeds an ICB > Place > PCN > ``--practices`` practices, a PCN
manager and an ICB viewer with API tokens, publishes a small app (a number, a choice, a
yes/no and a text; no period) and ``--records`` submitted records, then for each of
``--workers`` (default 1, 2 and 4) starts ``miniapps serve --workers N --threads T`` on
a free port and drives it with ``--clients`` client threads, each on its own keep-alive
connection, for ``--seconds`` (after ``--warmup`` seconds not counted):

* ``floor``: ``GET /api/v1/apps`` as the ICB viewer (the token check and a one-item list):
  what the same clients get from the same server for about the cheapest API call;
* ``dashboard``: ``GET /api/v1/apps/<id>/dashboard?org=<ICB>`` as the ICB viewer;
* ``submit``: ``POST /api/v1/apps/<id>/records`` with ``submit: true`` as the PCN
  manager, for the practices in turn.

The runs go scenario by scenario in that order (every dashboard run before any submit, so
each worker count reads the same ``--records``). It prints requests/s, p50, p95 and errors
(any answer other than 200 or 201, or a broken connection) per run, the throughput
against one worker, and the CPU the server's processes (gunicorn's arbiter and workers,
so SQLite's work too) and, on PostgreSQL, the database's backends spent per request while
counted (from ``/proc``): on a shared machine the CPU per request moves far less than
requests/s and latencies. ``req/s per core`` is 1000 / (server + database CPU ms
per request): what one core spent on nothing else would serve.

The clients are a bounded loop of threads with ``http.client`` (no locust): nothing to
install, a fixed number of requests in flight (a closed loop), and the same process
measures every request. The clients share the machine (and its cores) with the server.

miniapps has no request rate limit (only the sign-in throttle, which API tokens do not
meet), so there is nothing to raise for the server started here.

    python benchmarks/load_test.py --db sqlite --seconds 10
    python benchmarks/load_test.py --db postgresql --workers 1,2,4 --clients 16

PostgreSQL: the database ``miniapps_bench_load`` (or ``$MINIAPPS_BENCH_DATABASE`` +
``_load``) on ``$MINIAPPS_BENCH_PG``, created and dropped; SQLite: the file
``benchmarks/.data/load_test.sqlite3``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import load_server
from generate import drop_database, reset_database
from miniapps import create_app, migrations_api
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import Organisation, Record
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from sqlalchemy import insert, select

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / ".data"
SQLITE_URL = f"sqlite:///{DATA_DIR / 'load_test.sqlite3'}"
PG_SERVER = os.environ.get("MINIAPPS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_bench") + "_load"
PG_URL = f"{PG_SERVER}/{PG_DATABASE}"
APP_ID = "load_test"
ICB = "QLT"
CATEGORIES = ["access", "prescribing", "screening", "immunisation"]
DEFINITION: dict[str, Any] = {
    "id": APP_ID,
    "title": "Load test records",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["score"],
        "properties": {
            "score": {"type": "integer", "minimum": 0, "title": "Score"},
            "category": {"type": "string", "enum": CATEGORIES, "title": "Category"},
            "done": {"type": "boolean", "title": "Done"},
            "note": {"type": "string", "title": "Note"},
        },
    },
}


@dataclass
class Seeded:
    practices: list[str]
    writer_token: str  # PCN manager: submits for every practice of the PCN
    reader_token: str  # ICB viewer: reads the ICB's dashboard
    records: int


@dataclass
class Outcome:
    scenario: str
    workers: int
    latencies: list[float] = field(default_factory=list)  # seconds, answered 200/201
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # seconds of CPU of the server's processes while counted
    database_cpu: float | None = None  # PostgreSQL's backends for the database (not SQLite)

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def cpu_ms(self, seconds: float | None) -> float:
        """CPU milliseconds per answered request."""
        if seconds is None or not self.latencies:
            return math.nan
        return seconds * 1000 / len(self.latencies)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile, milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def seed(url: str, practices: int, records: int) -> Seeded:
    """Migrate ``url`` and fill it: organisations, two users with tokens, the app, records."""
    migrations_api.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "load-test"})
    ods = [f"LT{n:04d}" for n in range(1, practices + 1)]
    rows = [
        OrgRow(ICB, "Load ICB", "icb", None),
        OrgRow("PLT01", "Load Place", "place", ICB),
        OrgRow("ULT001", "Load PCN", "pcn", "PLT01"),
        *(OrgRow(code, f"Load Surgery {code}", "practice", "ULT001") for code in ods),
    ]
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(session, rows)
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        writer = user_service.create_user(
            session, "pcn@load.invalid", "Load PCN manager", None, "pcn_manager", orgs["ULT001"]
        )
        reader = user_service.create_user(
            session, "icb@load.invalid", "Load ICB viewer", None, "icb_viewer", orgs[ICB]
        )
        published = app_service.publish(
            session, validate_definition(DEFINITION), [orgs[ICB]], actor=None
        )
        stamp = datetime(2025, 1, 1, tzinfo=UTC)
        session.execute(
            insert(Record),
            [
                {
                    "app_id": APP_ID,
                    "app_version": published.version.version,
                    "organisation_id": orgs[ods[n % len(ods)]].id,
                    "data": _data(n),
                    "status": "submitted",
                    "created_by_id": writer.id,
                    "created_at": stamp + timedelta(minutes=n),
                    "updated_at": stamp + timedelta(minutes=n),
                    "submitted_at": stamp + timedelta(minutes=n),
                }
                for n in range(records)
            ],
        )
        tokens = (
            user_service.create_token(session, writer),
            user_service.create_token(session, reader),
        )
    db.engine(app).dispose()
    return Seeded(ods, tokens[0], tokens[1], records)


def _data(n: int) -> dict[str, Any]:
    return {
        "score": n % 101,
        "category": CATEGORIES[n % len(CATEGORIES)],
        "done": n % 3 != 0,
        "note": f"Load test record {n}",
    }


class Client(threading.Thread):
    """One keep-alive connection sending requests back to back until ``stop_at``."""

    def __init__(self, port: int, scenario: str, seeded: Seeded, number: int) -> None:
        super().__init__(daemon=True)
        self.port, self.scenario, self.seeded, self.number = port, scenario, seeded, number
        self.counting_from = 0.0
        self.stop_at = 0.0
        self.latencies: list[float] = []
        self.errors = 0

    def request(self) -> tuple[str, str, bytes | None, str]:
        if self.scenario == "floor":  # the token check and one small list: the cheapest API call
            return "GET", "/api/v1/apps", None, self.seeded.reader_token
        if self.scenario == "dashboard":
            path = f"/api/v1/apps/{APP_ID}/dashboard?org={ICB}"
            return "GET", path, None, self.seeded.reader_token
        self.number += 1
        practices = self.seeded.practices
        body = {"org": practices[self.number % len(practices)], "submit": True}
        body["data"] = _data(self.number)
        payload = json.dumps(body).encode()
        return "POST", f"/api/v1/apps/{APP_ID}/records", payload, self.seeded.writer_token

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while (now := time.perf_counter()) < self.stop_at:
            method, path, body, token = self.request()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 201)
            except (OSError, http.client.HTTPException):
                connection.close()  # reconnects on the next request
                ok = False
            if now < self.counting_from:
                continue
            if ok:
                self.latencies.append(time.perf_counter() - now)
            else:
                self.errors += 1
        connection.close()


def drive(
    port: int, server_pid: int, scenario: str, workers: int, seeded: Seeded, args: Any
) -> Outcome:
    """``--clients`` clients for ``--warmup`` + ``--seconds``; the last part counted, with
    the CPU the server (and PostgreSQL) spent meanwhile."""
    database = None if args.db == "sqlite" else PG_DATABASE
    started = time.perf_counter()
    clients = [Client(port, scenario, seeded, n * 1_000_000) for n in range(args.clients)]
    for client in clients:
        client.counting_from = started + args.warmup
        client.stop_at = started + args.warmup + args.seconds
        client.start()
    time.sleep(max(0.0, started + args.warmup - time.perf_counter()))
    marked = load_server.processes(server_pid, database)
    before = load_server.cpu_of([abs(pid) for pid in marked])
    for client in clients:
        client.join()
    marked = load_server.processes(
        server_pid, database
    )  # backends opened meanwhile count from zero
    after = load_server.cpu_of([abs(pid) for pid in marked])
    server = {abs(pid) for pid in marked if pid > 0}
    outcome = Outcome(scenario, workers, seconds=args.seconds)
    outcome.server_cpu = load_server.cpu_used(
        before, {p: c for p, c in after.items() if p in server}
    )
    if database is not None:
        outcome.database_cpu = load_server.cpu_used(
            before, {p: c for p, c in after.items() if p not in server}
        )
    for client in clients:
        outcome.latencies += client.latencies
        outcome.errors += client.errors
    return outcome


def table(engine: str, outcomes: list[Outcome], args: Any) -> str:
    lines = [
        f"{engine}: {args.records:,} records seeded, {args.clients} clients, "
        f"--threads {args.threads}, {args.seconds:g} s per run after {args.warmup:g} s warm-up",
        "",
        "| scenario | workers | requests | req/s | x 1 worker | p50 ms | p95 ms | errors "
        "| server CPU ms/req | database CPU ms/req | req/s per core (CPU) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    single = {o.scenario: o.per_second for o in outcomes if o.workers == 1}
    for o in outcomes:
        base = single.get(o.scenario)
        ratio = f"{o.per_second / base:.2f}" if base else "-"
        server, database = o.cpu_ms(o.server_cpu), o.cpu_ms(o.database_cpu)
        spent = server + (0.0 if math.isnan(database) else database)
        per_core = f"{1000 / spent:.0f}" if spent > 0 else "-"
        lines.append(
            f"| {o.scenario} | {o.workers} | {o.requests:,} | {o.per_second:.1f} | {ratio} "
            f"| {o.percentile(0.5):.1f} | {o.percentile(0.95):.1f} | {o.errors} "
            f"| {server:.1f} | {'-' if math.isnan(database) else f'{database:.1f}'} "
            f"| {per_core} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--seconds", type=float, default=10.0, help="counted, per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per run, not counted")
    parser.add_argument("--records", type=int, default=5_000, help="records seeded")
    parser.add_argument("--practices", type=int, default=20)
    parser.add_argument("--scenarios", default="floor,dashboard,submit")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args(argv)
    worker_counts = [int(w) for w in args.workers.split(",")]
    scenarios = [s for s in args.scenarios.split(",") if s]
    url = SQLITE_URL if args.db == "sqlite" else PG_URL
    print(f"Load test on {args.db} ({url})", flush=True)
    reset_database(url)
    try:
        t0 = time.perf_counter()
        seeded = seed(url, args.practices, args.records)
        print(f"  seeded in {time.perf_counter() - t0:.1f}s", flush=True)
        outcomes = []
        with tempfile.TemporaryDirectory(prefix="load-test-") as folder:
            for scenario in scenarios:
                for workers in worker_counts:
                    port = load_server.free_port()
                    server = load_server.start_server(
                        url, port, workers, args.threads, Path(folder)
                    )
                    try:
                        outcome = drive(port, server.pid, scenario, workers, seeded, args)
                    finally:
                        load_server.stop_server(server)
                    outcomes.append(outcome)
                    print(
                        f"  {scenario:<9} workers {workers}: {outcome.per_second:7.1f} req/s, "
                        f"p50 {outcome.percentile(0.5):6.1f} ms, p95 "
                        f"{outcome.percentile(0.95):6.1f} ms, errors {outcome.errors}, "
                        f"server CPU {outcome.cpu_ms(outcome.server_cpu):.1f} ms/req",
                        flush=True,
                    )
        print()
        print(table(args.db, outcomes, args))
        print(f"\nload average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            drop_database(url)
    if any(o.errors for o in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
