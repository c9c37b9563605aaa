"""Submit benchmark: requests/s of a record submit through the API and the HTML form
against a bare Flask + SQLAlchemy app that inserts the same JSON (issue 17, goal: at least half).

On a fresh database (``--db sqlite|postgresql``): an ICB > Place > PCN > practice, a
practice staff member (with an API token) and a practice manager, and a realistic app
published through the real service: 16 fields (text, long text, integer, number, dates,
single and multiple choices, yes/no), a condition (``if``/``then``: details and risk only
when issues were found), a workflow with a submit step and a notification on
``submitted``. Then, in one process and one run, with the Flask test client for all three:

* **bare**: a minimal Flask app made here, one SQLAlchemy 2 engine (``make_engine``, so
  the same connection settings) on the SAME database, ``POST /records`` parses the same
  JSON body and inserts its ``data`` as one row of a plain table (the same JSON column
  type as ``records.data``) and commits: the framework floor;
* **api**: ``POST /api/v1/apps/<id>/records`` with ``submit: true`` and a bearer token;
* **form**: the record form's ``POST /apps/<id>/new`` with ``submit``, signed in, CSRF on
  as in production (the token read from the form page once per client);
* **form_floor** (in one process only, for reference): a minimal signed-in Flask form
  post storing the same answers (``submit_form_floor.py``); the form is printed against
  it too, besides against the bare JSON insert, which is the goal's floor.

``--requests`` timed requests of each after ``--warmup`` untimed ones, in ``--rounds``
interleaved rounds (bare, api, form, then rotated) so that a busy moment of the machine
falls on all three. Printed: requests/s, p50/p95 latency, statements per request
(SQLAlchemy ``before_cursor_execute``) and the ratios api/bare and form/bare against the
goal. The app has no request rate limits (only the sign-in throttle, which one sign-in
per client does not reach), so nothing throttles the benchmark.

``--server``: the same three against real servers on loopback instead: ``miniapps serve``
(gunicorn, ``--workers``/``--threads``) and the bare app under gunicorn with the same
settings, driven by ``--clients`` threads, each sending its share of ``--requests``
(bounded in count, and stopped after ``--max-seconds``).

    python benchmarks/submit_bench.py --db sqlite --requests 2000
    python benchmarks/submit_bench.py --db postgresql --requests 500 --profile api
    python benchmarks/submit_bench.py --db sqlite --server --workers 2 --threads 4
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))
sys.path.insert(0, str(HERE))

from flask import Flask, jsonify, request  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from miniapps import create_app  # noqa: E402
from miniapps.db import db, make_engine  # noqa: E402
from sqlalchemy import Engine, event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from submit_data import (  # noqa: E402
    APP_ID,
    GOAL,
    KINDS,
    PASSWORD,
    PG_URL,
    PRACTICE,
    SQLITE_URL,
    STAFF,
    FloorBase,
    FloorRow,
    Send,
    csrf_token,
    form_fields,
    generate,
    percentile,
    record_data,
    setup,
)
from submit_form_floor import form_floor_sender  # noqa: E402
from submit_server import run_servers  # noqa: E402

# In one process, the record form is also measured against its own floor (a minimal
# signed-in Flask form post: submit_form_floor.py), for reference.
IN_PROCESS = (*KINDS, "form_floor")

# --- the floor: a bare Flask + SQLAlchemy app ----------------------------------------


def bare_app(url: str) -> tuple[Flask, Engine]:
    """The framework floor: parse the JSON, insert one row, commit, answer its id."""
    engine = make_engine(url)
    FloorBase.metadata.create_all(engine)
    floor = Flask("submit_bench_floor")

    @floor.post("/records")
    def create() -> Any:
        body = request.get_json()
        with Session(engine) as session:
            row = FloorRow(
                app_id=APP_ID, org=body["org"], data=body["data"], created_at=datetime.now(UTC)
            )
            session.add(row)
            session.commit()
            answer = jsonify({"id": row.id, "data": row.data})
        answer.status_code = 201
        return answer

    return floor, engine


def bare_wsgi() -> Flask:
    """For ``--server``: gunicorn serves the floor with the URL from the environment."""
    return bare_app(os.environ["SUBMIT_BENCH_URL"])[0]


# --- the three clients ---------------------------------------------------------------


def real_app(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "submit-bench",
            "UPLOADS_DIR": str(generate.DATA_DIR / "submit_uploads"),
            "SESSION_COOKIE_SECURE": False,
        }
    )


def signed_in_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    answer = client.post(
        "/auth/login", data={"email": STAFF, "password": PASSWORD, "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def senders(url: str, token: str) -> tuple[dict[str, Send], dict[str, Engine]]:
    """One function per kind sending the ``n``-th submit (asserting its answer)."""
    floor, floor_engine = bare_app(url)
    app = real_app(url)
    bare_client, api_client = floor.test_client(), app.test_client()
    form_client = signed_in_client(app)
    form_url = f"/apps/{APP_ID}/new?org={PRACTICE}"
    form_csrf = csrf_token(form_client.get(form_url).get_data(as_text=True))
    # The signed-in session as each submit finds it in a browser: the record page the
    # form redirects to shows (and so removes) the "submitted" message. The test client
    # follows no redirect, so without this the session cookie would carry every earlier
    # submit's message, growing by one each time (serialised, signed and parsed again on
    # every request: a cost of the benchmark, not of a submit).
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    steady_session = form_client.get_cookie(cookie_name)
    assert steady_session is not None, "no session cookie after signing in"
    auth = {"Authorization": f"Bearer {token}"}

    def bare(n: int) -> None:
        body = {"org": PRACTICE, "data": record_data(n), "submit": True}
        answer = bare_client.post("/records", json=body)
        assert answer.status_code == 201, answer.get_data(as_text=True)[:500]

    def api(n: int) -> None:
        body = {"org": PRACTICE, "data": record_data(n), "submit": True}
        answer = api_client.post(f"/api/v1/apps/{APP_ID}/records", json=body, headers=auth)
        assert answer.status_code == 201, answer.get_data(as_text=True)[:800]

    def form(n: int) -> None:
        form_client.set_cookie(cookie_name, steady_session.value)
        fields = form_fields(record_data(n)) | {"csrf_token": form_csrf, "submit": ""}
        answer = form_client.post(form_url, data=fields)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]

    form_floor, form_floor_engine = form_floor_sender(url)
    engines = {
        "bare": floor_engine,
        "api": db.engine(app),
        "form": db.engine(app),
        "form_floor": form_floor_engine,
    }
    return {"bare": bare, "api": api, "form": form, "form_floor": form_floor}, engines


class Statements:
    """Statements run on an engine while counting."""

    def __init__(self) -> None:
        self.count = 0
        self.watched: set[int] = set()

    def watch(self, engine: Engine) -> None:
        if id(engine) not in self.watched:
            self.watched.add(id(engine))
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


def run_in_process(url: str, token: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    send, engines = senders(url, token)
    statements = Statements()
    for engine in engines.values():
        statements.watch(engine)
    n = 0
    for kind in IN_PROCESS:  # warm-up: templates, caches, the first connections
        for _ in range(args.warmup):
            send[kind](n)
            n += 1
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times: dict[str, list[float]] = {k: [] for k in IN_PROCESS}
    counted = dict.fromkeys(IN_PROCESS, 0)
    per_round = max(1, args.requests // args.rounds)
    for round_number in range(args.rounds):
        turn = round_number % len(IN_PROCESS)
        order = IN_PROCESS[turn:] + IN_PROCESS[:turn]
        for kind in order:
            before = statements.count
            for _ in range(per_round):
                started = clock()
                send[kind](n)
                times[kind].append(clock() - started)
                n += 1
            counted[kind] += statements.count - before
    if args.profile:
        profile(send[args.profile], n, per_round, args.profile_out)
    return {
        kind: {
            "requests": len(times[kind]),
            "rps": len(times[kind]) / sum(times[kind]),
            "p50": statistics.median(times[kind]) * 1000,
            "p95": percentile(times[kind], 0.95) * 1000,
            "statements": counted[kind] / len(times[kind]),
        }
        for kind in IN_PROCESS
    }


def profile(send: Send, start: int, count: int, out: str | None) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(start, start + count):
        send(n)
    profiler.disable()
    stats = pstats.Stats(profiler)
    if out:
        stats.dump_stats(out)
    stats.sort_stats("cumulative").print_stats(45)


# --- output --------------------------------------------------------------------------


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    floor = results["bare"]["rps"]
    mode = (
        f"servers on loopback ({args.workers} workers x {args.threads} threads, "
        f"{args.clients} clients)"
        if args.server
        else f"Flask test client, one process, {args.clock} clock"
    )
    print(f"\nSubmit throughput, {args.db}, {mode}:\n")
    print("| path | requests | req/s | p50 ms | p95 ms | statements/request | x bare | goal |")
    print("|---|--:|--:|--:|--:|--:|--:|---|")
    for kind in [k for k in IN_PROCESS if k in results]:
        r = results[kind]
        ratio = r["rps"] / floor
        goal = "-" if kind in ("bare", "form_floor") else f"≥ {GOAL}: "
        goal += "" if goal == "-" else ("ok" if ratio >= GOAL else "MISSED")
        statements = f"{r['statements']:.1f}" if r["statements"] >= 0 else "-"
        print(
            f"| {kind} | {r['requests']:,.0f} | {r['rps']:,.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {statements} | {ratio:.2f} | {goal} |"
        )
    if "form_floor" in results:
        own = results["form"]["rps"] / results["form_floor"]["rps"]
        print(f"\nThe record form against its own floor (form_floor): {own:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests of each")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests of each")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time, or this process's CPU time (steadier on a busy machine; on "
        "PostgreSQL it leaves out the server's work)",
    )
    parser.add_argument("--profile", choices=KINDS, help="cProfile one more round of this path")
    parser.add_argument("--profile-out", help="write the profile here (pstats)")
    parser.add_argument("--server", action="store_true", help="real servers on loopback")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8, help="--server: client threads")
    parser.add_argument("--max-seconds", type=float, default=120, help="--server: per path")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    args = parser.parse_args(argv)
    url = SQLITE_URL if args.db == "sqlite" else PG_URL
    print(f"Fresh {args.db} database at {url}")
    token = setup(url)
    try:
        results = run_servers(url, token, args) if args.server else run_in_process(url, token, args)
        report(results, args)
    finally:
        if args.db == "postgresql" and not args.keep:
            generate.drop_database(url)


if __name__ == "__main__":
    main()
