"""The demo as ``make run`` starts it: base URL and SMTP from MINIAPPS_* variables (as the
Makefile exports them), the demo's sign-in line, a PCN manager chasing the home practice's
open return, and the scheduler delivering that email over SMTP to the mail catcher, where
it can be read with the link to the configured base URL (as in the outbox row)."""

from __future__ import annotations

import email
import email.policy
import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from miniapps import create_app
from miniapps.db import db
from miniapps.models import OutboxMessage, Record
from miniapps.services.notifications.mail_catcher import start_catcher
from sqlalchemy import select

from tests.fixtures_mail import free_port

BASE_URL = "http://127.0.0.1:5077"
MONTHLY = {
    "id": "monthly_checks",
    "title": "Monthly checks",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["score"],
        "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}},
    },
    "period": {"frequency": "monthly", "due_day": 10},
}


@pytest.fixture
def mail_dir(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    port = free_port()
    controller = start_catcher("127.0.0.1", port, tmp_path / "mail")
    yield tmp_path / "mail", port
    controller.stop()


@pytest.fixture
def env_app(
    shared_db_url: str, tmp_path: Path, mail_dir: tuple[Path, int], monkeypatch
) -> Iterator[Flask]:
    (tmp_path / "apps" / "monthly_checks").mkdir(parents=True)
    (tmp_path / "apps" / "monthly_checks" / "app.json").write_text(json.dumps(MONTHLY))
    monkeypatch.setenv("MINIAPPS_BASE_URL", BASE_URL)
    monkeypatch.setenv("MINIAPPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MINIAPPS_SMTP_PORT", str(mail_dir[1]))
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": shared_db_url,
            "WTF_CSRF_ENABLED": False,
            "APPS_DIR": str(tmp_path / "apps"),
        }
    )
    yield flask_app
    db.engine(flask_app).dispose()


def test_the_pcn_manager_chases_and_the_email_links_to_the_configured_port(
    env_app: Flask, mail_dir: tuple[Path, int]
) -> None:
    runner = env_app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert f"Sign in at {BASE_URL}\n" in loaded.stdout
    with env_app.app_context():
        latest = select(Record.period).where(Record.app_id == "monthly_checks")
        period = db.session.scalar(latest.order_by(Record.period.desc()))
    assert period is not None

    client = env_app.test_client()
    signed_in = client.post(
        "/auth/login",
        data={"email": "pcn.manager@demo.miniapps.nhs.uk", "password": "demo-password-2025"},
    )
    assert signed_in.status_code == 302
    home = "H85076"  # the home practice: its latest return is open, theirs to fill in
    chased = client.post(
        "/apps/monthly_checks/returns/chase",
        data={"target": home, "period": period, "org": "U52546"},
        follow_redirects=True,
    )
    assert "Reminder sent to" in chased.get_data(as_text=True)

    delivered = runner.invoke(args=["scheduler", "--once"])
    assert delivered.exit_code == 0, delivered.output
    # The chase, and the scheduler's own reminders to every practice with an open return.
    sent = int(delivered.output.split("outbox: sent ")[1].split(",")[0])
    assert sent >= 2 and "retrying 0, failed 0" in delivered.output
    link = f"{BASE_URL}/apps/monthly_checks/new?period={period}&org={home}"
    directory, _port = mail_dir
    deadline = time.monotonic() + 10
    while len(list(directory.glob("*.eml"))) < sent:
        assert time.monotonic() < deadline, "the catcher did not keep every message"
        time.sleep(0.05)
    bodies: dict[str, list[str]] = {}
    for path in directory.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        bodies.setdefault(str(message["To"]), []).append(body.get_content())
    for user in ("practice.manager", "practice.staff"):
        assert any(link in text for text in bodies[f"{user}@demo.miniapps.nhs.uk"])
    with env_app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert len(rows) == sent and {r.status for r in rows} == {"sent"}
        assert all(BASE_URL in r.body_text and ":5000" not in r.body_text for r in rows)
        assert sorted(r.body_text for r in rows) == sorted(
            text.replace("\r\n", "\n") for texts in bodies.values() for text in texts
        )
