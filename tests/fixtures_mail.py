"""Real parts for the outbox and scheduler tests: an SMTP server (aiosmtpd) on a free
local port, a closed port for "SMTP is down", and a database of committed data that
several threads and sessions can share (a SQLite file, or a PostgreSQL database of its
own when MINIAPPS_DATABASE_URL points at PostgreSQL).
"""

from __future__ import annotations

import email.policy
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from flask import Flask
from miniapps import create_app, migrations_api
from miniapps.db import db, make_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import NORTH_SURGERY_TREE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """An SMTP server that keeps what it receives as parsed :class:`EmailMessage` objects."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = free_port()
        self._received = threading.Condition()
        self._credentials = credentials
        options: dict[str, Any] = {}
        if credentials is not None:
            # Plain-text AUTH is fine on 127.0.0.1 in a test (production uses STARTTLS);
            # handle_MAIL refuses mail from a session that has not logged in.
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._received:
            self.messages.append(message)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            self._received.notify_all()
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self._credentials == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies 535

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived (or fail after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._received:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{len(self.messages)} of {count} messages arrived"
                self._received.wait(remaining)
            return list(self.messages)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_server_with_login() -> Iterator[SmtpSink]:
    """An SMTP server that accepts mail only after AUTH as ``mailer`` / ``s3cret``."""
    with SmtpSink(credentials=("mailer", "s3cret")) as sink:
        yield sink


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    return free_port()


@pytest.fixture
def shared_db_url(tmp_path: Path) -> Iterator[str]:
    """A migrated database whose committed data every thread and session sees."""
    base = os.environ.get("MINIAPPS_DATABASE_URL")
    if not (base and base.startswith("postgresql")):
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        migrations_api.upgrade(url)
        yield url
        return
    name = f"miniapps_shared_{secrets.token_hex(4)}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        migrations_api.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def shared_app(shared_db_url: str, smtp_server: SmtpSink) -> Iterator[Flask]:
    """An app on :func:`shared_db_url` that mails ``smtp_server``, with fast scheduling."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": shared_db_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_server.port,
            "MAIL_FROM": "miniapps <no-reply@miniapps.test>",
            "SCHEDULER_LEASE_SECONDS": 3,
            "SCHEDULER_JOB_SECONDS": {"outbox": 1},
        }
    )
    yield app
    db.engine(app).dispose()


@pytest.fixture
def committed_tree_app(shared_db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on committed data for imports that run in their own thread and session: the
    test ICB > Place > North PCN > North Surgery (A00001) and Hill Surgery (A00002), and an
    imports folder of its own. Tests add their users and apps."""
    from miniapps.services.organisations import OrgRow, upsert_organisations

    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": shared_db_url,
            "WTF_CSRF_ENABLED": False,
            "IMPORTS_DIR": str(tmp_path / "imports"),
        }
    )
    with flask_app.app_context(), db.transaction(flask_app) as session:
        upsert_organisations(
            session,
            [
                *NORTH_SURGERY_TREE,
                OrgRow("A00002", "Hill Surgery", "practice", "U00001"),
            ],
        )
    yield flask_app
    db.engine(flask_app).dispose()
