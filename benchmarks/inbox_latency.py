"""Inbox latency: from a practice's send through the API to the stakeholder's live stream.

Starts the real production server (``miniapps serve``: gunicorn, threaded workers) on a
free port over a fresh database, signs a stakeholder in and keeps their inbox stream
(``/inbox/stream``) open, then sends ``--sends`` safeguarding concerns as a practice user
through ``POST /api/v1/apps/safeguarding_concern/records`` (``submit: true``), a random
pause apart. For each send it measures, from the start of the API request:

* ``api``: the API's answer (the step committed, the item made);
* ``event``: the stream's ``change`` event that counts the new item;
* ``page``: the inbox page fetched after the event listing the new record: what the live
  page (``inbox_live.mjs``) shows, less the browser's own rendering.

    python benchmarks/inbox_latency.py                      # SQLite, 50 sends
    python benchmarks/inbox_latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME

``--database-url`` names an existing PostgreSQL database whose ``public`` schema is DROPPED
and recreated. The target is the product's: a new item on the open inbox within 2 s.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import random
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import load_server
from miniapps import create_app, migrations_api
from miniapps.core.definitions.loading import load_definition
from miniapps.db import db, make_engine
from miniapps.models import Organisation
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from sqlalchemy import select, text

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "examples" / "safeguarding_concern"
PASSWORD = "benchmark password 2025"
OFFICER = "officer@example.gov.uk"
STAFF = "staff@example.nhs.uk"
TARGET_SECONDS = 2.0
ORGANISATIONS = [
    OrgRow("QWE", "Bench ICB", "icb", None),
    OrgRow("PLC01", "Bench Place", "place", "QWE"),
    OrgRow("U00001", "Bench PCN", "pcn", "PLC01"),
    OrgRow("A00001", "Bench Surgery", "practice", "U00001"),
    OrgRow(
        "LAADULT", "Bench Council Adults", "stakeholder", "PLC01", category="la_adult_safeguarding"
    ),
]


def prepare(url: str) -> str:
    """Migrate a fresh database and seed it; the practice user's API token."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations_api.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "inbox-benchmark"})
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(session, ORGANISATIONS)
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        user_service.create_user(
            session, OFFICER, "Bench Officer", PASSWORD, "stakeholder", orgs["LAADULT"]
        )
        staff = user_service.create_user(
            session, STAFF, "Bench Staff", PASSWORD, "practice_staff", orgs["A00001"]
        )
        app_service.publish(session, load_definition(EXAMPLE), [orgs["QWE"]], actor=None)
        token = user_service.create_token(session, staff)
    db.engine(app).dispose()
    return token


def signed_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode({"email": OFFICER, "password": PASSWORD, "csrf_token": token[1]})
    opener.open(base + "/auth/login", data=body.encode()).read()
    return opener


class StreamListener(threading.Thread):
    """Reads the stream, reconnecting as a browser would; keeps (time, item count) per
    ``change`` event."""

    def __init__(self, opener: urllib.request.OpenerDirector, base: str) -> None:
        super().__init__(daemon=True)
        self.opener, self.base = opener, base
        self.changes: list[tuple[float, int]] = []
        self.ready = threading.Event()
        self.stopping = False
        self.last_id = ""
        self.condition = threading.Condition()

    def run(self) -> None:
        while not self.stopping:
            request = urllib.request.Request(self.base + "/inbox/stream")
            if self.last_id:
                request.add_header("Last-Event-ID", self.last_id)
            with self.opener.open(request, timeout=30) as response:
                assert response.headers["Content-Type"].startswith("text/event-stream")
                self._read(response)

    def _read(self, response: Any) -> None:
        kind = ""
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                self.last_id = line[4:]
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                if kind == "ready":
                    self.ready.set()
                elif kind == "change":
                    with self.condition:
                        self.changes.append((time.perf_counter(), int(line.rsplit("-", 1)[1])))
                        self.condition.notify_all()
            if self.stopping:
                return

    def wait_for(self, count: int, timeout: float) -> float | None:
        """When the stream first counted ``count`` items (None: not within ``timeout``)."""
        with self.condition:
            self.condition.wait_for(lambda: any(n >= count for _, n in self.changes), timeout)
            return next((at for at, n in self.changes if n >= count), None)


def send(base: str, token: str, number: int) -> int:
    body = {
        "org": "A00001",
        "submit": True,
        "data": {"kind": "adult", "summary": f"Benchmark concern {number}"},
    }
    request = urllib.request.Request(
        base + "/api/v1/apps/safeguarding_concern/records",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.load(response)["id"])


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, math.ceil(0.95 * len(ms)) - 1)]  # nearest rank
    figures = f"p50 {statistics.median(ms):7.1f}  p95 {p95:7.1f}  max {ms[-1]:7.1f}"
    return f"{name:<6} {figures}  (ms, n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--database-url", help="an existing PostgreSQL database (its schema is dropped)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="sends first, not counted")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--verbose", action="store_true", help="print each send's figures")
    args = parser.parse_args()
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="inbox-bench-") as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        token = prepare(url)
        port = load_server.free_port()
        server = load_server.start_server(url, port, args.workers, args.threads, instance)
        base = f"http://127.0.0.1:{port}"
        try:
            opener = signed_in(base)
            listener = StreamListener(opener, base)
            listener.start()
            if not listener.ready.wait(10):
                raise SystemExit("the stream did not open")
            api, event, page = [], [], []
            # Warm-up sends (not counted): each worker imports and compiles templates on
            # its first requests.
            for number in range(1, args.warmup + args.sends + 1):
                time.sleep(random.uniform(0.1, 0.6))  # no lock-step with the stream's poll
                start = time.perf_counter()
                record_id = send(base, token, number)
                answered = time.perf_counter() - start
                heard = listener.wait_for(number, timeout=10)
                if heard is None:
                    raise SystemExit(f"send {number}: no change event within 10 s")
                html = opener.open(base + "/inbox").read().decode()
                assert f'/records/{record_id}"' in html, f"record {record_id} not on the page"
                shown = time.perf_counter() - start
                if args.verbose:
                    print(
                        f"send {number:3}: api {answered * 1000:6.0f}  event "
                        f"{(heard - start) * 1000:6.0f}  page {shown * 1000:6.0f} ms"
                    )
                if number > args.warmup:
                    api.append(answered)
                    event.append(heard - start)
                    page.append(shown)
            listener.stopping = True
        finally:
            load_server.stop_server(server)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{args.sends} sends (after {args.warmup} warm-up sends), {database}, "
        f"miniapps serve --workers {args.workers} --threads {args.threads}"
    )
    print(summary("api", api))
    print(summary("event", event))
    print(summary("page", page))
    verdict = "ok" if max(page) <= TARGET_SECONDS else "MISSED"
    print(f"target: new item on the open inbox within {TARGET_SECONDS:.0f} s (page max): {verdict}")


if __name__ == "__main__":
    main()
