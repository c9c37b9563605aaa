"""Issue 15, fault 11: sign-in reveals nothing about which addresses exist, throttles by
client and by account with a growing, capped wait (never a hard lock), and stays up
under parallel guessing on both engines."""

from __future__ import annotations

import difflib
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from miniapps import create_app
from miniapps.db import db
from miniapps.models import Organisation, SignInThrottle
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.users.passwords import current_hasher, use_hasher
from miniapps.services.users.sign_in import SignInThrottled, sign_in
from miniapps.services.users.throttle import ThrottlePolicy, client_key
from miniapps.services.users.units import within
from miniapps.services.users.user_sessions import SessionPolicy
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

NEUTRAL = "The email address or password is not right"


@contextmanager
def production_hasher() -> Iterator[None]:
    """argon2id with the library's (production) cost, for timing."""
    saved = current_hasher()
    use_hasher(PasswordHasher())
    try:
        yield
    finally:
        use_hasher(saved)


def _timed_post(client, email: str, password: str) -> float:
    start = time.perf_counter()
    response = client.post("/auth/login", data={"email": email, "password": password})
    elapsed = time.perf_counter() - start
    assert response.status_code == 400, response.status_code
    return elapsed


def test_unknown_email_takes_about_as_long_as_a_known_one(client, db_session, users, app):
    """Was 197 ms for a known email and 8 ms for an unknown one (no hash verified)."""
    saved = app.config["LOGIN_MAX_FAILURES"]
    app.config["LOGIN_MAX_FAILURES"] = 100
    try:
        with production_hasher():
            person = users["practice_manager"]
            user_service.set_password(db_session, person, PASSWORD)  # a production-cost hash
            db_session.commit()
            _timed_post(client, "warm-up@example.nhs.uk", "wrong password")  # the dummy hash
            known, unknown = [], []
            for attempt in range(4):
                known.append(_timed_post(client, person.email, f"wrong password {attempt}"))
                unknown.append(_timed_post(client, f"no-{attempt}@example.nhs.uk", "wrong pass"))
    finally:
        app.config["LOGIN_MAX_FAILURES"] = saved
    assert statistics.median(unknown) >= 0.5 * statistics.median(known), (known, unknown)


def test_unknown_email_deactivated_account_and_wrong_password_read_the_same(
    client, db_session, users
):
    person = users["practice_staff"]
    answers = {}
    for label, email in [
        ("wrong password", "pm@example.nhs.uk"),
        ("unknown", "nobody@example.nhs.uk"),
        ("deactivated", person.email),
    ]:
        if label == "deactivated":
            person.active = False
            db_session.commit()
        response = client.post(
            "/auth/login",
            data={"email": email, "password": PASSWORD if label == "deactivated" else "nope"},
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert NEUTRAL in html
        answers[label] = html.replace(email, "EMAIL")
    assert list(_differences(answers["wrong password"], answers["unknown"])) == []
    assert list(_differences(answers["wrong password"], answers["deactivated"])) == []


def _differences(one: str, other: str) -> Iterator[str]:
    """Lines that differ, but for what is fresh on every page (CSRF token, CSP nonce)."""
    fresh = re.compile(r'(nonce|value)="[A-Za-z0-9_.\-]{16,}"')
    before, after = (fresh.sub("FRESH", page).splitlines() for page in (one, other))
    for line in difflib.unified_diff(before, after, lineterm="", n=0):
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            yield line


def test_wrong_passwords_make_a_wait_not_a_lock(client, users, app):
    """Five wrong passwords locked the account for 15 minutes (anyone could lock out a
    colleague); now the account waits a second, and the right password then works."""
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": "nope"})
    waiting = client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": PASSWORD})
    assert waiting.status_code == 429
    retry_after = int(waiting.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    assert "Too many sign-in attempts" in waiting.get_data(as_text=True)
    time.sleep(retry_after)
    signed_in = client.post(
        "/auth/login", data={"email": "pm@example.nhs.uk", "password": PASSWORD}
    )
    assert signed_in.status_code == 302


def test_unknown_addresses_are_throttled_like_known_ones(client, users, app):
    answers = []
    for email in ("pm@example.nhs.uk", "nobody@example.nhs.uk"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            client.post("/auth/login", data={"email": email, "password": "nope"})
        answer = client.post("/auth/login", data={"email": email, "password": "nope"})
        answers.append((answer.status_code, answer.get_data(as_text=True).replace(email, "E")))
    assert answers[0][0] == answers[1][0] == 429
    assert list(_differences(answers[0][1], answers[1][1])) == []


def test_the_wait_doubles_and_is_capped(db_session, users):
    policy = ThrottlePolicy(account_free=3, client_free=1000, first_wait=2, max_wait=30)
    units = within(db_session)
    moment = datetime(2026, 1, 5, 9, tzinfo=UTC)
    waits = []
    for _ in range(3):  # the free failures
        assert (
            sign_in(units, "pm@example.nhs.uk", "nope", "10.0.0.1", policy, SessionPolicy(), moment)
            is None
        )
    for _ in range(6):
        with pytest.raises(SignInThrottled) as caught:
            sign_in(units, "pm@example.nhs.uk", "nope", "10.0.0.1", policy, SessionPolicy(), moment)
        waits.append(caught.value.retry_after)
        moment += timedelta(seconds=caught.value.retry_after)
        assert (
            sign_in(units, "pm@example.nhs.uk", "nope", "10.0.0.1", policy, SessionPolicy(), moment)
            is None
        )
    assert waits == [2, 4, 8, 16, 30, 30]
    # Counts are forgotten after the window: a quarter of an hour later, free again.
    later = moment + timedelta(seconds=policy.forget + 1)
    signed_in = sign_in(
        units, "pm@example.nhs.uk", PASSWORD, "10.0.0.1", policy, SessionPolicy(), later
    )
    assert signed_in is not None and signed_in.user_id == users["practice_manager"].id
    # A success forgets the account's failures, not the client's.
    rows = db_session.scalars(select(SignInThrottle)).all()
    assert [row.key for row in rows] == [client_key("10.0.0.1")]


def test_one_client_is_throttled_across_accounts_but_not_others(client, users, app):
    guesser = {"REMOTE_ADDR": "10.9.8.7"}
    limit = app.config["LOGIN_CLIENT_MAX_FAILURES"]
    for n in range(limit):
        answer = client.post(
            "/auth/login",
            data={"email": f"guess-{n}@example.nhs.uk", "password": "nope"},
            environ_base=guesser,
        )
        assert answer.status_code == 400
    refused = client.post(
        "/auth/login",
        data={"email": "fresh@example.nhs.uk", "password": "nope"},
        environ_base=guesser,
    )
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    colleague = client.post(
        "/auth/login",
        data={"email": "staff@example.nhs.uk", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert colleague.status_code == 302


def test_a_huge_email_is_just_wrong(client, users):
    response = client.post(
        "/auth/login", data={"email": "x" * 100_000 + "@example.nhs.uk", "password": "nope"}
    )
    assert response.status_code == 400 and NEUTRAL in response.get_data(as_text=True)


@pytest.fixture
def live_sign_in(shared_db_url: str) -> Iterator[str]:
    """A threaded HTTP server on committed data (SQLite file or PostgreSQL) with one user."""
    app: Flask = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": shared_db_url,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(session, [OrgRow("QWE", "Test ICB", "icb", None)])
        org = session.scalars(select(Organisation)).one()
        user_service.create_user(session, "pm@example.nhs.uk", "PM", PASSWORD, "icb_viewer", org)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.engine(app).dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _post_sign_in(base: str, email: str, password: str) -> int:
    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(base + "/auth/login", data=body, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_thirty_parallel_wrong_sign_ins_get_no_server_errors(live_sign_in):
    """30 parallel guesses gave five 500s ("database is locked") on SQLite."""
    codes: list[int] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        email = "pm@example.nhs.uk" if n % 2 else f"other-{n}@example.nhs.uk"
        code = _post_sign_in(live_sign_in, email, f"wrong {n}")
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(codes) == 30
    assert set(codes) <= {400, 429}, sorted(codes)
    # Every failure was counted: the account now waits, whoever asks.
    assert _post_sign_in(live_sign_in, "pm@example.nhs.uk", "wrong again") == 429
