"""``miniapps scheduler``: ``--once`` delivers the outbox; the process stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from miniapps import migrations_api
from miniapps.db import make_engine
from miniapps.models import OutboxMessage, SchedulerLease
from miniapps.services.notifications.outbox import queue_email
from sqlalchemy import select
from sqlalchemy.orm import Session


@pytest.fixture
def inbox(app: Flask, smtp_server, monkeypatch: pytest.MonkeyPatch):
    """The real SMTP server of fixtures_mail, wired into the test app's configuration."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    return smtp_server


def test_once_delivers_the_outbox(runner, db_session: Session, users, inbox) -> None:
    user = users["practice_manager"]
    queue_email(db_session, to=user.email, subject="Return due", text="Due on Friday", user=user)
    db_session.commit()

    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert "outbox: sent 1, retrying 0, failed 0" in result.output
    [received] = inbox.messages
    assert received["To"] == user.email and received["Subject"] == "Return due"
    assert db_session.scalar(select(OutboxMessage.status)) == "sent"
    assert db_session.scalar(select(SchedulerLease)) is None  # released after the run
    again = runner.invoke(args=["scheduler", "--once"])
    assert "outbox: sent 0" in again.output and len(inbox.messages) == 1


def test_once_does_nothing_while_another_scheduler_holds_the_lease(
    runner, db_session: Session, inbox
) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    db_session.add(SchedulerLease(name="scheduler", holder="elsewhere:1", expires_at=expires))
    queue_email(db_session, to="a@example.nhs.uk", subject="Waits", text="...")
    db_session.commit()

    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert "another scheduler holds the lease" in result.output
    assert inbox.messages == []
    assert db_session.scalar(select(OutboxMessage.status)) == "queued"


def test_the_process_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scheduler.sqlite3'}"
    migrations_api.upgrade(url)
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": url,
        "MINIAPPS_SECRET_KEY": "test-secret",
        "MINIAPPS_INSTANCE_PATH": str(tmp_path / "instance"),
        "MINIAPPS_SCHEDULER_LEASE_SECONDS": "3",
    }
    engine = make_engine(url)
    log = (tmp_path / "scheduler.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "miniapps"), "scheduler"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while _lease_holder(engine) is None:
            assert process.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler never took the lease"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, (tmp_path / "scheduler.log").read_text()
        assert _lease_holder(engine) is None  # released on the way out
        output = (tmp_path / "scheduler.log").read_text()
        assert "SIGTERM: stopping the scheduler" in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        engine.dispose()


def _lease_holder(engine: Any) -> str | None:
    with Session(engine) as session:
        return session.scalar(select(SchedulerLease.holder))
