"""``miniapps records import`` killed with SIGKILL while it writes leaves the database
exactly as before, and the same file then imports (issue 17). The real command runs as a
child process on a database of its own (``shared_db_url``: committed data another process
sees) and is killed at its first ``written N of M rows`` line, which the bulk import prints
per batch before the commit.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from miniapps.db import make_engine
from miniapps.services.organisations import by_ods, upsert_organisations
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import NORTH_SURGERY_TREE
from tests.import_readings import APP_ID, DEFINITION, csv_file, reading_rows, snapshot
from tests.publishing import publish_app

MINIAPPS = str(Path(sys.executable).parent / "miniapps")
# Rows the killed import writes: enough batches (of 2,000) that the kill, at the first
# batch's progress line, lands well before the commit; few enough to import again quickly.
KILL_ROWS = 30_000
PROGRESS = re.compile(r"^written [\d,]+ of [\d,]+ rows$")


def committed_snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return snapshot(session)
    finally:
        engine.dispose()


def assert_writable(url: str) -> None:
    """No lock left behind and nothing corrupt: a new writer gets through at once."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("postgresql"):
                conn.execute(text("SET lock_timeout = '5s'"))
            conn.execute(text("UPDATE organisations SET name = name WHERE ods = 'A00001'"))
            conn.commit()
            if url.startswith("sqlite"):
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


@pytest.fixture
def killable(shared_db_url: str, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """The shared database with a practice and the app, and the command's environment."""
    engine = make_engine(shared_db_url)
    with Session(engine) as session, session.begin():
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
            ],
        )
        publish_app(session, DEFINITION, [by_ods(session, "QWE")], commit=False)
    engine.dispose()
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": shared_db_url,
        "MINIAPPS_SECRET_KEY": "test-secret",
        "MINIAPPS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    return shared_db_url, env


class StderrLines:
    """A child's standard error, read line by line in a thread as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        self.stream = process.stderr
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def first_match(self, pattern: re.Pattern[str], timeout: float) -> str | None:
        """The first line matching ``pattern``; None if the stream ended or time ran out."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if pattern.match(line):
                return line
            seen.append(line)
        print("\n".join(seen[-20:]), file=sys.stderr)
        return None

    def close(self) -> None:
        """Once the child has ended: the reader done, the pipe closed."""
        self.reader.join(timeout=30)
        self.stream.close()


def test_the_import_killed_while_writing_leaves_nothing_and_runs_again(
    killable: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = killable
    path = csv_file(tmp_path / "readings.csv", reading_rows(KILL_ROWS))
    before = committed_snapshot(url)
    args = [MINIAPPS, "records", "import", APP_ID, str(path), "--org", "A00001"]
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    stderr = StderrLines(process)
    try:
        progress = stderr.first_match(PROGRESS, timeout=300)
        assert progress is not None, "no progress line before the import ended or timed out"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, "the import ended before the kill"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        stderr.close()
    assert committed_snapshot(url) == before
    assert_writable(url)

    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(rf"imported {KILL_ROWS:,}|imported {KILL_ROWS}", again.stdout), again.stdout
    after = committed_snapshot(url)
    assert after["records"] == before["records"] + KILL_ROWS
    assert after["record_keys"] == before["record_keys"] + KILL_ROWS
