"""Issue 15, fault 2: slow or idle sockets must not freeze ``miniapps serve``.

Each test talks to a real ``miniapps serve`` subprocess (gunicorn, one worker with two
threads, a migrated SQLite file) over raw sockets: half-sent request lines, stalled
bodies, endless heads. Before the fix, two such sockets left every other request
unanswered for as long as they stayed open.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from miniapps import create_app, migrations_api
from miniapps.cli.serve_worker import BODY_BUFFER_BYTES, BODY_IDLE_SECONDS, HEAD_TIMEOUT_SECONDS
from miniapps.db import db
from miniapps.models import Organisation
from miniapps.services import users as user_service
from miniapps.services.organisations import upsert_organisations
from sqlalchemy import select

from tests.conftest import NORTH_SURGERY_TREE

MINIAPPS = Path(sys.executable).with_name("miniapps")
EMAIL, PASSWORD = "slow@example.nhs.uk", "correct horse battery"
# "Promptly": a normal request is answered in well under this while attackers wait.
PROMPT_SECONDS = 5.0


@dataclass(frozen=True)
class Served:
    port: int
    log: Path

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return sock

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request on a connection of its own: the answer and its body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _seed(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "slow-client-test"})
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        practice = session.scalars(select(Organisation).filter_by(ods="A00001")).one()
        user_service.create_user(session, EMAIL, "Sam Slow", PASSWORD, "practice_manager", practice)
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``miniapps serve --workers 1 --threads 2`` on a free port, answering."""
    folder = tmp_path_factory.mktemp("serve")
    url = f"sqlite:///{folder / 'serve.sqlite3'}"
    migrations_api.upgrade(url)
    _seed(url)
    port = _free_port()
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": url,
        "MINIAPPS_SECRET_KEY": "slow-client-test",
        "MINIAPPS_BASE_URL": f"http://127.0.0.1:{port}",
        "MINIAPPS_UPLOADS_DIR": str(folder / "uploads"),
    }
    log = folder / "serve.log"
    command = [str(MINIAPPS), "serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(port, process, log)
        yield Served(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"miniapps serve exited:\n{log.read_text()}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/auth/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    pytest.fail(f"miniapps serve did not answer:\n{log.read_text()}")


def _timed_get(served: Served, path: str = "/auth/login") -> tuple[int, float]:
    started = time.monotonic()
    try:
        response, _ = served.request("GET", path)
    except TimeoutError:
        return 0, time.monotonic() - started
    return response.status, time.monotonic() - started


def _read_answer(sock: socket.socket, within: float) -> bytes:
    """What the server sends before closing ``sock`` (or ``within`` seconds pass)."""
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


def test_half_sent_requests_and_slow_bodies_hold_no_thread(served: Served) -> None:
    with ExitStack() as stack:
        half_lines = []
        for _ in range(20):
            sock = stack.enter_context(served.connect())
            sock.sendall(b"GET /auth/lo")
            half_lines.append(sock)
        for _ in range(4):  # connected, silent
            stack.enter_context(served.connect())
        slow_bodies = []
        for _ in range(4):  # a whole head, then a body that stops after 100 of 2,000 bytes
            sock = stack.enter_context(served.connect())
            sock.sendall(
                b"POST /auth/login HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 2000\r\n\r\n" + b"e" * 100
            )
            slow_bodies.append(sock)
        opened = time.monotonic()
        time.sleep(0.5)  # let the server accept them all first

        for _ in range(3):
            status, elapsed = _timed_get(served)
            assert status == 200 and elapsed < PROMPT_SECONDS, (status, elapsed)

        # The head has a total deadline: one that never ends gets 408 and is closed, even
        # when a byte keeps arriving every second.
        trickle = stack.enter_context(served.connect())
        trickle.sendall(b"GET /auth/login HTTP/1.1\r\nX-Slow: ")
        trickled = time.monotonic()
        try:
            while time.monotonic() - trickled < HEAD_TIMEOUT_SECONDS + 5:
                trickle.sendall(b"a")
                time.sleep(1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert time.monotonic() - trickled < HEAD_TIMEOUT_SECONDS + 5, "never cut off"
        spent = time.monotonic() - opened
        answer = _read_answer(half_lines[0], within=max(1.0, HEAD_TIMEOUT_SECONDS + 5 - spent))
        assert answer.startswith(b"HTTP/1.1 408"), answer


def test_a_stalled_upload_is_answered_408_and_frees_its_thread(served: Served) -> None:
    """A body bigger than the poller buffers goes to a thread; when it stalls, the thread
    gives up after BODY_IDLE_SECONDS instead of waiting for ever."""
    with ExitStack() as stack:
        stalled = []
        part = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n"
        )
        for _ in range(2):  # as many as there are threads
            sock = stack.enter_context(served.connect())
            sock.sendall(
                b"POST /auth/login HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                + f"Content-Length: {BODY_BUFFER_BYTES * 4}\r\n\r\n".encode()
                + part
                + b"e" * (BODY_BUFFER_BYTES + 1024)
            )
            stalled.append(sock)
        for sock in stalled:
            answer = _read_answer(sock, within=BODY_IDLE_SECONDS + 10)
            assert answer.startswith(b"HTTP/1.1 408"), answer
        status, elapsed = _timed_get(served)
        assert status == 200 and elapsed < PROMPT_SECONDS, (status, elapsed)


def test_a_head_too_large_is_refused_431(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"GET /auth/login HTTP/1.1\r\n")
        try:
            for _ in range(80):
                sock.sendall(b"X-Filler: " + b"f" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert _read_answer(sock, within=5).startswith(b"HTTP/1.1 431")


def test_pipelined_and_kept_alive_requests_are_all_answered(served: Served) -> None:
    with served.connect() as sock:
        request = b"GET /auth/login HTTP/1.1\r\nHost: x\r\n\r\n"
        last = b"GET /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        # An empty line between requests is allowed (RFC 9112 section 2.2).
        sock.sendall(request + b"\r\n" + request + last)
        answers = _read_answer(sock, within=10)
    assert answers.count(b"HTTP/1.1 200 OK") == 3, answers[:300]


def _cookies(response: http.client.HTTPResponse) -> str:
    pairs = [value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(pairs)


def test_the_inbox_event_stream_still_streams(served: Served) -> None:
    page, html = served.request("GET", "/auth/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    assert token, html
    body = urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1).decode()})
    headers = {"Cookie": _cookies(page), "Content-Type": "application/x-www-form-urlencoded"}
    signed_in, _ = served.request("POST", "/auth/login", body, headers)
    assert signed_in.status == 302, signed_in.status

    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=15)
    conn.request("GET", "/inbox/stream", headers={"Cookie": _cookies(signed_in)})
    stream = conn.getresponse()
    assert stream.status == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    started = time.monotonic()
    seen = b""
    while b"event: ready" not in seen and time.monotonic() - started < PROMPT_SECONDS:
        seen += stream.read1(1024)
    assert b"retry:" in seen and b"event: ready" in seen, seen
    # The open stream holds one thread; the other still answers.
    status, elapsed = _timed_get(served)
    assert status == 200 and elapsed < PROMPT_SECONDS
    conn.close()
