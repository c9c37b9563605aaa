"""Configuration: defaults here, then instance/config.py, then MINIAPPS_* env, then test config.

This is the only module that reads the environment.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

ENV_PREFIX = "MINIAPPS_"
REPO_ROOT = Path(__file__).resolve().parents[2]


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'miniapps.sqlite3'}",
        # SQLite only: how long a writer waits for the write lock (then 503), and how many
        # times a GET/HEAD that found the database busy is run again.
        "DATABASE_BUSY_TIMEOUT_SECONDS": 30,
        "DATABASE_BUSY_RETRIES": 5,
        # PostgreSQL connection pool per process (SQLAlchemy's defaults); recycle: None = never.
        "DATABASE_POOL_SIZE": 5,
        "DATABASE_MAX_OVERFLOW": 10,
        "DATABASE_POOL_TIMEOUT_SECONDS": 30,
        "DATABASE_POOL_RECYCLE_SECONDS": None,
        # A read replica for read-only work (db.read_session); None: the primary serves it.
        "REPLICA_DATABASE_URL": None,
        "SECRET_KEY": None,
        "APPS_DIR": str(REPO_ROOT / "apps"),
        "UPLOADS_DIR": str(instance_path / "uploads"),
        "IMPORTS_DIR": str(instance_path / "imports"),
        # What an import reads of a CSV/XLSX file (rows below the header, columns, cells up
        # to each row's last value, an XLSX file's unpacked size): beyond, a clear refusal.
        "IMPORT_MAX_ROWS": 10_000,
        "IMPORT_MAX_COLUMNS": 1_000,
        "IMPORT_MAX_CELLS": 1_000_000,
        "IMPORT_MAX_UNPACKED_BYTES": 50 * 1024 * 1024,
        # `miniapps records import` (streamed, batched): rows and cells it reads at most.
        "IMPORT_CLI_MAX_ROWS": 5_000_000,
        "IMPORT_CLI_MAX_CELLS": 500_000_000,
        "ORGANISATIONS_FILE": str(_pilot_organisations_file()),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: Secure unless BASE_URL is plain http on localhost/127.0.0.1 (see load_config).
        "SESSION_COOKIE_SECURE": None,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Server-side sessions: ended after this long unused, and this long after sign-in.
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 12,
        "SESSION_TOUCH_SECONDS": 60,
        # API tokens last this many days unless `miniapps tokens create --days N` says.
        "API_TOKEN_DAYS": 90,
        # Proxies in front whose X-Forwarded-For/-Proto are believed (0: none; see app.py).
        "PROXY_HOPS": 0,
        # Sign-in throttle: failures allowed per account and per client address, then a
        # wait that doubles from the first to the maximum; counts forgotten after the window.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_CLIENT_MAX_FAILURES": 20,
        "LOGIN_FIRST_WAIT_SECONDS": 1,
        "LOGIN_MAX_WAIT_SECONDS": 300,
        "LOGIN_WINDOW_SECONDS": 900,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "PAGE_SIZE": 25,
        "BASE_URL": "http://127.0.0.1:5000",
        # Outgoing email. No SMTP_HOST: messages stay queued until one is configured.
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": 10,
        "MAIL_FROM": "miniapps <no-reply@localhost>",
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BATCH_SIZE": 50,
        # Daily digests go out from this hour (0-23) in this time zone.
        "DIGEST_HOUR": 7,
        "DIGEST_TIMEZONE": "Europe/London",
        # Scheduler: the lease lasts this long unless renewed; {"outbox": 5} overrides intervals.
        "SCHEDULER_LEASE_SECONDS": 60,
        "SCHEDULER_JOB_SECONDS": {},
        # Webhook hosts allowed over plain http and at private or loopback addresses
        # (comma-separated, e.g. "127.0.0.1,localhost"): local receivers and tests only.
        "WEBHOOK_INSECURE_HOSTS": "",
        # The inbox's live stream (/inbox/stream): how long one stream lasts before the
        # browser reconnects, how often it polls the database, and the heartbeat.
        "INBOX_STREAM_SECONDS": 55,
        "INBOX_POLL_SECONDS": 0.5,
        "INBOX_HEARTBEAT_SECONDS": 15,
    }


def _pilot_organisations_file() -> Path:
    """The shared pilot list when checked out beside the repo, else the packaged copy."""
    shared = REPO_ROOT.parent / "shared" / "data" / "pilot-organisations.json"
    return shared if shared.exists() else Path(__file__).parent / "demo_data" / shared.name


def instance_path() -> str:
    """``instance/`` at the repository root, or ``MINIAPPS_INSTANCE_PATH``."""
    return os.environ.get(ENV_PREFIX + "INSTANCE_PATH") or str(REPO_ROOT / "instance")


def _coerce(raw: str) -> Any:
    """Environment values are strings; accept JSON literals (true, 5, [..]) where they parse."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    instance_path = Path(app.instance_path)
    app.config.from_mapping(defaults(instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX):
            app.config[key.removeprefix(ENV_PREFIX)] = _coerce(raw)
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance_path)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not plain_http_on_this_machine(
            str(app.config["BASE_URL"])
        )
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])


def plain_http_on_this_machine(base_url: str) -> bool:
    """``http://localhost…`` or ``http://127.0.0.1…``: the only place cookies may go
    without ``Secure`` (``make run`` serves http://127.0.0.1:5000)."""
    parts = urlsplit(base_url.strip())
    return parts.scheme == "http" and parts.hostname in {"localhost", "127.0.0.1", "::1"}


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept in instance/, made on first start."""
    instance_path.mkdir(parents=True, exist_ok=True)
    secret_file = instance_path / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()
