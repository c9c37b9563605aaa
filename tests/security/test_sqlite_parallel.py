"""The default database under a small PCN's load (issue 15, fault 6): a real threaded
server on a committed database answers parallel API reads (some of which write an audit
entry), parallel sign-ins (right and wrong passwords) and parallel writes, round after
round, with no server error. On SQLite the writers take the lock first (``BEGIN
IMMEDIATE``) and busy reads are run again (:mod:`miniapps.sqlite_writes`); the same test
runs on PostgreSQL, where nothing of that applies."""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from miniapps import create_app
from miniapps.db import db
from miniapps.models import AuditEntry, Organisation, User
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import NORTH_SURGERY_TREE
from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app

PASSWORD = "correct horse battery"
ROUNDS = 3
READERS = 12
SIGN_INS = 30
CONCERNS = 3  # channel records: each read of them through the API writes an audit entry
JSON = {"Content-Type": "application/json"}


@dataclass
class Live:
    app: Flask
    port: int
    tokens: list[str]
    emails: list[str]

    def answer(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, dict(response.getheaders())
        finally:
            conn.close()

    def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> int:
        return self.answer(method, path, body, **headers)[0]


def _seed(app: Flask) -> tuple[list[str], list[str]]:
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
                OrgRow(
                    "LAADULT", "Test Council Adult Safeguarding", "stakeholder", "PLC01",
                    category="la_adult_safeguarding",
                ),
            ],
        )  # fmt: skip
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        staff = user_service.create_user(
            session, "staff@example.nhs.uk", "Practice Staff", PASSWORD, "practice_staff",
            orgs["A00001"],
        )  # fmt: skip
        people: list[User] = []
        for n in range(6):
            people.append(
                user_service.create_user(
                    session,
                    f"pm{n}@example.nhs.uk",
                    f"Manager {n}",
                    PASSWORD,
                    "practice_manager",
                    orgs["A00001"],
                )
            )
        concern = publish_app(session, concern_definition(), [orgs["QWE"]], commit=False)
        for _ in range(CONCERNS):
            record_service.create_record(
                session, Access(staff), concern, orgs["A00001"],
                {"kind": "adult", "summary": "Bruising seen at a home visit", "urgent": False},
                submit=True, actor=staff,
            )  # fmt: skip
        tokens = [user_service.create_token(session, person) for person in (staff, *people)]
        return tokens, [p.email for p in people]


@contextmanager
def serving(database_url: str, **config: Any) -> Iterator[Live]:
    """``miniapps serve``'s app behind werkzeug's threaded server, on committed data."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            # The throttles are another test's business: here every password is checked.
            "LOGIN_MAX_FAILURES": 10_000,
            "LOGIN_CLIENT_MAX_FAILURES": 10_000,
            **config,
        }
    )
    tokens, emails = _seed(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, server.server_port, tokens, emails)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        db.engine(app).dispose()


@pytest.fixture
def live(shared_db_url: str) -> Iterator[Live]:
    with serving(shared_db_url) as running:
        yield running


def _audit_reads(app: Flask) -> int:
    with app.app_context(), db.transaction(app) as session:
        query = select(func.count()).where(AuditEntry.action == "read")
        return session.scalar(query) or 0


def _sign_in(live: Live, n: int) -> tuple[str, int]:
    right = n % 3 != 0
    body = urlencode(
        {"email": live.emails[n % len(live.emails)], "password": PASSWORD if right else "wrong!"}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return ("sign-in ok" if right else "sign-in wrong"), live.call(
        "POST", "/auth/login", body, **headers
    )


def _read(live: Live, n: int, path: str) -> tuple[str, int]:
    token = live.tokens[n % len(live.tokens)]
    return path, live.call("GET", path, Authorization=f"Bearer {token}")


def _write(live: Live, n: int) -> tuple[str, int]:
    body = json.dumps(
        {
            "org": "A00001",
            "data": {"kind": "adult", "summary": f"Concern {n}", "urgent": False},
        }
    ).encode()
    status = live.call(
        "POST",
        "/api/v1/apps/safeguarding_concern/records",
        body,
        Authorization=f"Bearer {live.tokens[0]}",  # the practice's staff
        **JSON,
    )
    return "create", status


def test_parallel_reads_sign_ins_and_writes_never_fail(live: Live) -> None:
    before = _audit_reads(live.app)
    seen: Counter[tuple[str, int]] = Counter()
    with ThreadPoolExecutor(max_workers=READERS * 2 + SIGN_INS + 4) as pool:
        for _ in range(ROUNDS):
            jobs = [pool.submit(_read, live, n, "/api/v1/apps") for n in range(READERS)]
            jobs += [
                pool.submit(_read, live, n, "/api/v1/apps/safeguarding_concern/records")
                for n in range(READERS)
            ]
            jobs += [pool.submit(_sign_in, live, n) for n in range(SIGN_INS)]
            jobs += [pool.submit(_write, live, n) for n in range(4)]
            seen.update(job.result() for job in jobs)
    failures = {k: v for k, v in seen.items() if k[1] >= 500}
    assert not failures, f"server errors: {failures} of {dict(seen)}"
    assert seen[("/api/v1/apps", 200)] == ROUNDS * READERS
    assert seen[("/api/v1/apps/safeguarding_concern/records", 200)] == ROUNDS * READERS
    # Sign-ins: right ones signed in, wrong ones refused (or held off by the throttle).
    signed = {status for (kind, status) in seen if kind == "sign-in ok"}
    refused = {status for (kind, status) in seen if kind == "sign-in wrong"}
    assert signed <= {302, 429} and refused <= {400, 429}
    assert seen[("sign-in ok", 302)] >= SIGN_INS // 2
    assert seen[("create", 201)] == ROUNDS * 4
    # Each list read wrote its audit entries once: a read run again wrote none twice.
    assert _audit_reads(live.app) - before == ROUNDS * READERS * CONCERNS


def test_a_busy_database_answers_503_with_retry_after_not_500(shared_db_url: str) -> None:
    """Another process holds SQLite's write lock past the (here shortened) busy timeout:
    a write, and a read that must write its audit entries, are refused with 503 and
    ``Retry-After`` (the read after being run again); a read that writes nothing is
    answered meanwhile; once the lock is let go, all is well again."""
    if not shared_db_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer: PostgreSQL writers do not lock the database")
    with serving(shared_db_url, DATABASE_BUSY_TIMEOUT_SECONDS=0.2) as live:
        holder = sqlite3.connect(shared_db_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            audited = "/api/v1/apps/safeguarding_concern/records"
            token = {"Authorization": f"Bearer {live.tokens[0]}"}
            write = live.answer("POST", audited, b"{}", **token, **JSON)
            read_that_writes = live.answer("GET", audited, None, **token)
            plain_read = live.answer("GET", "/auth/login")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for status, headers in (write, read_that_writes):
            assert status == 503 and headers.get("Retry-After") == "2"
        assert plain_read[0] == 200
        assert live.answer("GET", audited, None, **token)[0] == 200


def test_a_unit_of_work_inside_a_writing_request_does_not_wait_for_itself(
    shared_db_url: str,
) -> None:
    """A request that writes holds SQLite's write lock from its first statement; a unit of
    work (``db.transaction()``, e.g. bookkeeping) opened after that runs inside it (a
    savepoint) instead of waiting for the lock its own request holds."""
    app = create_app(
        {"DATABASE_URL": shared_db_url, "SECRET_KEY": "x", "DATABASE_BUSY_TIMEOUT_SECONDS": 0.2}
    )
    try:
        with app.test_request_context("/anything", method="POST"):
            assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
            with db.transaction() as unit:
                upsert_organisations(unit, [OrgRow("QWE", "Test ICB", "icb", None)])
            db.session.commit()
        with app.app_context(), db.transaction(app) as session:
            assert session.scalar(select(Organisation.ods)) == "QWE"
    finally:
        db.engine(app).dispose()


def test_bookkeeping_gives_up_at_once_behind_a_long_writer(shared_db_url: str) -> None:
    """A long writer (an import, another process) holds SQLite's write lock with the usual
    30 s busy timeout: a token's first use, whose last-used note is due, is still answered
    at once (the note waits for a later request) instead of waiting out the timeout."""
    if not shared_db_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer: PostgreSQL writers do not lock the database")
    with serving(shared_db_url) as live:
        holder = sqlite3.connect(shared_db_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            status = live.call("GET", "/api/v1/apps", Authorization=f"Bearer {live.tokens[1]}")
            took = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert status == 200
        assert took < 10, f"waited {took:.1f} s behind the writer"
