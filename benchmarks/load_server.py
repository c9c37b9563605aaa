"""The server side of ``load_test.py``: ``miniapps serve`` started on a free port and
stopped, and the CPU its processes (and PostgreSQL's backends) spend, read from ``/proc``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    url: str, port: int, workers: int, threads: int, instance: Path
) -> subprocess.Popen[bytes]:
    """``miniapps serve`` (this process becomes gunicorn's arbiter, its workers are its
    children); returns once it answers."""
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": url,
        "MINIAPPS_SECRET_KEY": "load-test",
        "MINIAPPS_INSTANCE_PATH": str(instance),
        "MINIAPPS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [str(Path(sys.executable).parent / "miniapps"), "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not start within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not ended in 20 s."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) so far of each process still there (``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return found


def processes(server_pid: int, database: str | None) -> list[int]:
    """The server (gunicorn's arbiter and its workers) and, for PostgreSQL, the backends
    serving ``database`` (their process title names it)."""
    pids = [server_pid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if database is not None:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if title.startswith("postgres: ") and f" {database} " in title:
                    pids.append(-int(entry.name))  # negative: a database process
                    continue
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == server_pid:
            pids.append(int(entry.name))
    return pids


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two :func:`cpu_of` readings (new processes from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
