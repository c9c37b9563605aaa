"""Issue 15, fault 12 (sessions and tokens that can be ended) and the token part of
fault 6 (a read with a token writes nothing in the request)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from miniapps import create_app
from miniapps.config import plain_http_on_this_machine
from miniapps.db import db
from miniapps.models import ApiToken, Organisation, UserSession
from miniapps.services import users as user_service
from miniapps.services.invitations import accept_link, issue_link
from miniapps.services.organisations import OrgRow, upsert_organisations
from sqlalchemy import select, update
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.statements import recorded_statements

NEW_PASSWORD = "a brand new password"


def _cookie(client, app) -> str:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return cookie.value


def test_a_cookie_replayed_after_sign_out_is_refused(app, client, users, login):
    """The cookie copied before sign-out used to keep working."""
    login(users["practice_manager"])
    copied = _cookie(client, app)
    assert client.get("/").status_code == 200
    client.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("session", copied, domain="localhost")
    answer = replay.get("/")
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def test_changing_the_password_ends_the_other_sessions(app, client, users, login, db_session):
    person = users["practice_manager"]
    other = app.test_client()
    other.post("/auth/login", data={"email": person.email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    login(person)
    wrong = client.post(
        "/account/password",
        data={"current": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "Enter your current password" in wrong.get_data(True)
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one has ended


def test_a_reset_link_ends_every_session(app, client, users, login, db_session):
    person = users["practice_manager"]
    login(person)
    link = issue_link(db_session, person, "reset", actor=None, base_url="http://x")
    accept_link(db_session, link.url.rsplit("/", 1)[1], NEW_PASSWORD, NEW_PASSWORD)
    db_session.commit()
    assert client.get("/").status_code == 302


def _age_sessions(db_session, **moved: timedelta) -> None:
    values = {column: datetime.now(UTC) - ago for column, ago in moved.items()}
    db_session.execute(update(UserSession).values(**values))
    db_session.commit()


@pytest.mark.parametrize(
    ("moved", "still_good"),
    [
        ({"last_seen_at": timedelta(minutes=29)}, True),
        ({"last_seen_at": timedelta(minutes=31)}, False),  # idle timeout (30 minutes)
        ({"created_at": timedelta(hours=12, minutes=1)}, False),  # absolute timeout (12 h)
    ],
)
def test_idle_and_absolute_timeouts(client, users, login, db_session, moved, still_good):
    login(users["practice_manager"])
    _age_sessions(db_session, **moved)
    assert (client.get("/").status_code == 200) is still_good


def test_last_seen_is_written_at_most_once_a_minute(client, users, login, db_session):
    login(users["practice_manager"])
    _age_sessions(db_session, last_seen_at=timedelta(seconds=20))
    before = db_session.scalars(select(UserSession)).one().last_seen_at
    client.get("/")
    db_session.expire_all()
    assert db_session.scalars(select(UserSession)).one().last_seen_at == before
    _age_sessions(db_session, last_seen_at=timedelta(minutes=2))
    client.get("/")
    db_session.expire_all()
    seen = db_session.scalars(select(UserSession)).one().last_seen_at
    assert datetime.now(UTC) - seen.replace(tzinfo=UTC) < timedelta(seconds=30)


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [
        ("http://127.0.0.1:5000", False),
        ("http://localhost:8000", False),
        ("https://miniapps.example.nhs.uk", True),
        ("http://miniapps.example.nhs.uk", True),
        ("http://127.0.0.1.example.com", True),
    ],
)
def test_the_session_cookie_is_secure_unless_plain_http_on_this_machine(base_url, secure):
    assert plain_http_on_this_machine(base_url) is not secure


def test_the_cookie_says_secure_by_default(database_url, users, db_session):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "https://miniapps.example.nhs.uk",
        }
    )
    db.bind_to(app, db_session.connection())
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        answer = app.test_client().post(
            "/auth/login",
            data={"email": "pm@example.nhs.uk", "password": PASSWORD},
            base_url="https://localhost",
        )
        assert answer.status_code == 302
        assert "Secure" in answer.headers["Set-Cookie"]
    finally:
        db.engine(app).dispose()


def test_an_explicit_setting_wins(database_url):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x",
            "BASE_URL": "https://pcn.example.nhs.uk",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is False
    db.engine(app).dispose()


# --- API tokens ----------------------------------------------------------------------


def test_tokens_expire(client, users, db_session, fridge_app):
    person = users["practice_manager"]
    token = user_service.create_token(db_session, person, days=1)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps", headers=headers).status_code == 200
    db_session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db_session.commit()
    answer = client.get("/api/v1/apps", headers=headers)
    assert answer.status_code == 401
    assert "This API token expired on" in answer.get_json()["message"]


def test_cli_creates_lists_and_revokes_tokens(runner, client, users, db_session):
    made = runner.invoke(args=["tokens", "create", "pm@example.nhs.uk", "--days", "7"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    row = db_session.scalars(select(ApiToken)).one()
    lifetime = row.expires_at.replace(tzinfo=UTC) - row.created_at.replace(tzinfo=UTC)
    assert lifetime == timedelta(days=7)
    too_long = runner.invoke(args=["tokens", "create", "pm@example.nhs.uk", "--days", "5000"])
    assert too_long.exit_code == 2
    listed = runner.invoke(args=["tokens", "list", "--user", "pm@example.nhs.uk"])
    assert row.prefix + "…" in listed.stdout and "active" in listed.stdout
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps", headers=headers).status_code == 200
    revoked = runner.invoke(args=["tokens", "revoke", row.prefix + "…"])
    assert revoked.exit_code == 0 and "revoked token" in revoked.stdout
    answer = client.get("/api/v1/apps", headers=headers)
    assert answer.status_code == 401 and "revoked" in answer.get_json()["message"]
    assert "revoked" in runner.invoke(args=["tokens", "list"]).stdout
    unknown = runner.invoke(args=["tokens", "revoke", "mna_zzzzzz"])
    assert unknown.exit_code == 1 and "no token starts with" in unknown.stderr
    neither = runner.invoke(args=["tokens", "revoke"])
    assert neither.exit_code == 2


def test_cli_revokes_every_token_of_a_user(runner, client, users, db_session):
    tokens = [user_service.create_token(db_session, users["practice_manager"]) for _ in "ab"]
    kept = user_service.create_token(db_session, users["practice_staff"])
    db_session.commit()
    result = runner.invoke(args=["tokens", "revoke", "--user", "PM@example.nhs.uk"])
    assert result.exit_code == 0 and "revoked 2 token(s)" in result.stdout
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/apps", headers=headers).status_code == 401
    kept_headers = {"Authorization": f"Bearer {kept}"}
    assert client.get("/api/v1/apps", headers=kept_headers).status_code == 200


def test_the_account_page_lists_and_revokes_ones_own_tokens(client, users, db_session, login):
    mine = user_service.create_token(db_session, users["practice_manager"])
    theirs = user_service.create_token(db_session, users["practice_staff"])
    db_session.commit()
    rows = {t.user_id: t for t in db_session.scalars(select(ApiToken))}
    my_row, their_row = rows[users["practice_manager"].id], rows[users["practice_staff"].id]
    login(users["practice_manager"])
    page = client.get("/account/tokens").get_data(as_text=True)
    assert my_row.prefix in page and their_row.prefix not in page and mine not in page
    assert client.post(f"/account/tokens/{their_row.id}/revoke").status_code == 404
    assert client.post(f"/account/tokens/{my_row.id}/revoke").status_code == 302
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)
    assert (
        client.get("/api/v1/apps", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    )
    kept = {"Authorization": f"Bearer {theirs}"}
    assert client.get("/api/v1/apps", headers=kept).status_code == 200


def test_admin_lists_expiry(client, users, db_session, login):
    user_service.create_token(db_session, users["practice_manager"], days=3)
    db_session.commit()
    login(users["platform_admin"])
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "Expires" in page
    expiry = datetime.now(UTC) + timedelta(days=3)
    assert expiry.strftime("%d %b %Y") in page


# --- fault 6: a read with a token writes nothing in the request ----------------------


def _writes_during(app: Flask, action) -> list[str]:
    with recorded_statements(db.engine(app), only=("INSERT", "UPDATE", "DELETE")) as seen:
        action()
    return seen


def test_token_use_is_noted_at_most_every_few_minutes(app, client, users, db_session, token):
    headers = token(users["practice_manager"])
    first = _writes_during(app, lambda: client.get("/api/v1/apps", headers=headers))
    assert len(first) == 1 and "last_used_at" in first[0]
    again = _writes_during(app, lambda: client.get("/api/v1/apps", headers=headers))
    assert again == []  # used a moment ago: nothing written


@pytest.fixture
def live_api(shared_db_url: str) -> Iterator[tuple[str, str]]:
    """A threaded server on committed data and a token of an ICB viewer."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": shared_db_url})
    with app.app_context(), db.transaction(app) as session:
        upsert_organisations(session, [OrgRow("QWE", "Test ICB", "icb", None)])
        org = session.scalars(select(Organisation)).one()
        user = user_service.create_user(session, "icb@x.nhs.uk", "I", PASSWORD, "icb_viewer", org)
        value = user_service.create_token(session, user)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", value
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.engine(app).dispose()


def test_parallel_reads_with_one_token_get_no_server_errors(live_api):
    """12 parallel GET /api/v1/apps gave five 500s on SQLite (last_used_at in the read)."""
    base, value = live_api
    codes: list[int] = []

    def read() -> None:
        request = urllib.request.Request(
            base + "/api/v1/apps", headers={"Authorization": f"Bearer {value}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                codes.append(int(answer.status))
        except urllib.error.HTTPError as refused:
            codes.append(refused.code)

    for _ in range(3):
        threads = [threading.Thread(target=read) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert codes == [200] * 36
