"""A live server with committed data, and Debian's chromium driven by Playwright.

The browser tests cannot use the rolled-back ``db_session`` of ``tests/conftest.py``: the
server answers from another thread, so it needs data that is really committed. The live
app gets its own database (a SQLite file, or a separate PostgreSQL database when
MINIAPPS_DATABASE_URL points at PostgreSQL), migrated and seeded once per session.

Set MINIAPPS_SCREENSHOTS to a directory to keep full-page PNGs of the main pages.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from miniapps import create_app, migrations_api
from miniapps.core.definitions.loading import load_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.indicators.year_set_loading import load_year_set
from miniapps.services.organisations import OrgRow, upsert_organisations
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)
from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import NORTH_SURGERY_TREE

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
EXAMPLE_APPS = ("fridge_log", "staff_training")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every wait in a test is bounded: a missing element fails in seconds, not minutes.
TIMEOUT_MS = 5_000

ORGANISATIONS = [
    *NORTH_SURGERY_TREE,
    OrgRow("A00002", "Hill Surgery", "practice", "U00001"),
]
# key: (email, name, role, ODS). Tests that submit records use different practices, so
# one test's records never change the counts another test checks.
USERS = {
    "practice_manager": ("pm@example.nhs.uk", "Pat Manager", "practice_manager", "A00001"),
    "practice_manager_2": ("pm2@example.nhs.uk", "Hana Hill", "practice_manager", "A00002"),
    "pcn_manager": ("pcn@example.nhs.uk", "Priya Network", "pcn_manager", "U00001"),
}


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str

    def __call__(self, path: str) -> str:
        """The absolute URL of ``path`` on the live server."""
        return self.url + path


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the browser tests' own, migrated to head."""
    configured = os.environ.get("MINIAPPS_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'live.sqlite3'}"
        migrations_api.upgrade(url)
        yield url
        return
    # A database per run (by pid), so two suites running at once never drop each other's.
    name = f"miniapps_browser_{os.getpid()}"
    admin = make_url(configured).set(drivername="postgresql").render_as_string(hide_password=False)
    _run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = make_url(configured).set(database=name).render_as_string(hide_password=False)
    migrations_api.upgrade(url)
    yield url
    _run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_admin(conninfo: str, *statements: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def live_app(live_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app(
        {
            "DATABASE_URL": live_database_url,
            "SECRET_KEY": "browser-test-secret",
            "UPLOADS_DIR": str(instance / "uploads"),
            # CSRF stays on: the real browser posts the token from the page.
            "WTF_CSRF_ENABLED": True,
            "LOGIN_MAX_FAILURES": 1000,
        }
    )
    _seed(app)
    yield app
    db.engine(app).dispose()


def _seed(app: Flask) -> None:
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(session, ORGANISATIONS)
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        for email, name, role, ods in USERS.values():
            user_service.create_user(session, email, name, PASSWORD, role, orgs[ods])
        for example in EXAMPLE_APPS:
            definition = load_definition(REPO / "docs" / "examples" / example)
            app_service.publish(session, definition, [orgs["QWE"]], actor=None)


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    server: BaseWSGIServer = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(live_app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


def _new_page(
    browser: Browser, live_server: LiveServer, blocked: list[str], **options: Any
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)

    # Nothing may leave the live server: no CDN at run time, and tests must not wait on DNS.
    def block(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(live_server.url + "/"), block)
    violations: list[str] = []
    context.on("console", lambda message: _note_csp_violation(message, violations))
    try:
        yield context.new_page()
    finally:
        context.close()
    # Whatever the test checked, a page that broke the Content-Security-Policy fails it.
    assert not violations, f"Content-Security-Policy violations: {violations}"


def _note_csp_violation(message: ConsoleMessage, violations: list[str]) -> None:
    # Chromium reports each blocked script, handler, style or load on the console.
    text = message.text
    if text.startswith("Refused to") or "Content Security Policy" in text:
        violations.append(f"{message.page.url if message.page else ''}: {text}")


@pytest.fixture
def offsite_requests() -> list[str]:
    """URLs the page tried to fetch from anywhere but the live server (they were blocked)."""
    return []


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, offsite_requests: list[str]) -> Iterator[Page]:
    """A fresh browser context (no cookies) for every test."""
    yield from _new_page(browser, live_server, offsite_requests)


@pytest.fixture
def page_without_js(
    browser: Browser, live_server: LiveServer, offsite_requests: list[str]
) -> Iterator[Page]:
    """A context with JavaScript switched off: the progressive-enhancement baseline."""
    yield from _new_page(browser, live_server, offsite_requests, java_script_enabled=False)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the home page."""
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My apps")).to_be_visible()


@pytest.fixture(name="sign_in")
def sign_in_fixture() -> Callable[..., None]:
    """``sign_in(page, email)``: tests get the helper as a fixture (conftest is not importable)."""
    return sign_in


@pytest.fixture(scope="session")
def emails() -> dict[str, str]:
    """The seeded users' email addresses by key (``practice_manager``, ``pcn_manager``, ...)."""
    return {key: spec[0] for key, spec in USERS.items()}


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """``screenshot(page, "form")`` keeps a full-page PNG when MINIAPPS_SCREENSHOTS is set."""
    folder = os.environ.get("MINIAPPS_SCREENSHOTS")

    def take(page: Page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


IIF = REPO / "apps" / "iif_tracker"


def iif_return(list_size: int, **counts: tuple[int, int]) -> dict[str, object]:
    """An IIF return: ``CAN_04=(numerator, denominator)`` per indicator."""
    rows = {
        code.replace("_", "-"): {"numerator": n, "denominator": d}
        for code, (n, d) in counts.items()
    }
    return {"list_size": list_size, "indicators": rows}


def _year_2026(month: int, ods: str) -> dict[str, object]:
    """2026/27 (seven illustrative indicators): figures that move a little each month; in
    September Hill Surgery's denominators treble (a likely coding error for each)."""
    shift = month if ods == "A00001" else 2 * month
    jump = 3 if (ods, month) == ("A00002", 9) else 1
    return iif_return(
        10200 if ods == "A00001" else 15300,
        CAN_04=(30 + shift, 50 * jump),
        HI_03=(3 + month % 4, 10 * jump),
        ACC_08=(800 + 5 * shift, 1000 * jump),
        FLU_01=(400 + 10 * shift, 900 * jump),
        CVD_05=(60 + shift, 100 * jump),
        SMR_02=(5 + month % 3, 12 * jump),
        AMR_02=(9 + month % 2, 100 * jump),
    )


# North Surgery: April to June 2025; Hill Surgery: June 2025 (the figures the indicator
# tests check). Both: April to September 2026, in the seven-indicator 2026/27 set.
IIF_RECORDS = [
    ("A00001", "2025-04", iif_return(10200, CAN_04=(36, 50), HI_03=(3, 10))),
    ("A00001", "2025-05", iif_return(10200, CAN_04=(35, 50), HI_03=(6, 10))),
    ("A00001", "2025-06", iif_return(10200, CAN_04=(36, 50), HI_03=(9, 10))),
    ("A00002", "2025-06", iif_return(15300, CAN_04=(10, 20), HI_03=(0, 0))),
    *(
        (ods, f"2026-{month:02d}", _year_2026(month, ods))
        for ods in ("A00001", "A00002")
        for month in range(4, 10)
    ),
]


@pytest.fixture(scope="session")
def iif_live(live_app: Flask) -> str:
    """The IIF tracker published with both year sets and :data:`IIF_RECORDS` committed;
    the indicator page's path."""
    with live_app.app_context(), db.transaction(live_app) as session:
        if session.get(App, "iif_tracker") is None:
            orgs = {o.ods: o for o in session.scalars(select(Organisation))}
            published = app_service.publish(
                session, load_definition(IIF), [orgs["QWE"]], None, targeted_from=date(2025, 1, 1)
            )
            for path in sorted((IIF / "data").glob("*.json")):
                load_year_set(session, "iif_tracker", json.loads(path.read_text()))
            for ods, period, data in IIF_RECORDS:
                session.add(
                    Record(
                        app_id="iif_tracker",
                        app_version=published.app.latest_version,
                        organisation=orgs[ods],
                        period=period,
                        data=data,
                        status="submitted",
                    )
                )
    return "/apps/iif_tracker/indicators"
