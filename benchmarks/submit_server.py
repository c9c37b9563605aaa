"""``submit_bench.py --server``: the three paths against real servers on loopback,
``miniapps serve`` (gunicorn) for the application and the floor under gunicorn with the
same workers and threads, driven by a bounded number of client threads (each request
counted, each path stopped after ``--max-seconds``)."""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from submit_data import (
    APP_ID,
    HERE,
    KINDS,
    PASSWORD,
    PRACTICE,
    STAFF,
    Send,
    csrf_token,
    form_fields,
    percentile,
    record_data,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str], probe: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=1).close()
            return server
        except urllib.error.HTTPError:
            return server  # it answers (the floor has no GET route)
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{command[0]} did not start within 30 s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # the form's 302 is its answer: do not fetch the record page


def post(
    opener: urllib.request.OpenerDirector, url: str, body: bytes, headers: dict[str, str]
) -> int:
    request_ = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request_, timeout=30) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def server_sender(kind: str, base: str, token: str) -> Send:
    """One client's sender (its own connection state and, for the form, its sign-in)."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), NoRedirect())
    if kind in ("bare", "api"):
        path = "/records" if kind == "bare" else f"/api/v1/apps/{APP_ID}/records"
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        def send_json(n: int) -> None:
            body = json.dumps({"org": PRACTICE, "data": record_data(n), "submit": True})
            status = post(opener, base + path, body.encode(), headers)
            assert status == 201, (kind, status)

        return send_json
    login = opener.open(base + "/auth/login").read().decode()
    fields = {"email": STAFF, "password": PASSWORD, "csrf_token": csrf_token(login)}
    status = post(opener, base + "/auth/login", urllib.parse.urlencode(fields).encode(), {})
    assert status == 302, ("sign-in", status)
    form_url = f"{base}/apps/{APP_ID}/new?org={PRACTICE}"
    token_ = csrf_token(opener.open(form_url).read().decode())
    # The session each submit finds in a browser, whose record page (the redirect, not
    # followed here) removes the "submitted" message: see submit_bench.senders.
    steady = list(cookies)

    def send_form(n: int) -> None:
        for cookie in steady:
            cookies.set_cookie(cookie)
        fields = form_fields(record_data(n)) | {"csrf_token": token_, "submit": ""}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        status = post(opener, form_url, body, {})
        assert status == 302, ("form", status)

    return send_form


def load(kind: str, base: str, token: str, args: argparse.Namespace) -> dict[str, float]:
    """``--requests`` submits from ``--clients`` threads (bounded by ``--max-seconds``)."""
    senders_ = [server_sender(kind, base, token) for _ in range(args.clients)]
    for n in range(args.warmup):
        senders_[n % args.clients](10_000_000 + n)
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds
    share = max(1, args.requests // args.clients)

    def client(number: int) -> None:
        for i in range(share):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            senders_[number]((number + 1) * 1_000_000 + i)
            with lock:
                times.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    return {
        "requests": len(times),
        "rps": len(times) / took,
        "p50": statistics.median(times) * 1000,
        "p95": percentile(times, 0.95) * 1000,
        "statements": -1,
    }


def run_servers(url: str, token: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """The floor under gunicorn and ``miniapps serve``, same workers and threads."""
    bin_dir = Path(sys.executable).parent
    real_port, floor_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "MINIAPPS_DATABASE_URL": url,
            "MINIAPPS_SECRET_KEY": "submit-bench",
            "MINIAPPS_INSTANCE_PATH": instance,
            "MINIAPPS_BASE_URL": f"http://127.0.0.1:{real_port}",
            "SUBMIT_BENCH_URL": url,
            "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent / "platform")]),
        }
        real = [str(bin_dir / "miniapps"), "serve", "--port", str(real_port)]
        real += ["--workers", str(args.workers), "--threads", str(args.threads)]
        floor = [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{floor_port}"]
        floor += ["--workers", str(args.workers), "--threads", str(args.threads)]
        floor += ["submit_bench:bare_wsgi()"]
        servers = [
            start(real, env, f"http://127.0.0.1:{real_port}/auth/login"),
            start(floor, env, f"http://127.0.0.1:{floor_port}/records"),
        ]
        try:
            bases = {
                "bare": f"http://127.0.0.1:{floor_port}",
                "api": f"http://127.0.0.1:{real_port}",
                "form": f"http://127.0.0.1:{real_port}",
            }
            return {kind: load(kind, bases[kind], token, args) for kind in KINDS}
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
