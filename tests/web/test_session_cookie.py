"""The signed session cookie's serializer: made once per set of keys, and a rotated key
still signs in the cookies its fallbacks signed (and no others)."""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSession
from flask.testing import FlaskClient
from miniapps.models import User
from miniapps.web.session_cookie import SigningOnceSessionInterface


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/account/tokens").status_code == 200


def test_one_serializer_serves_every_request(app: Flask) -> None:
    sessions = app.session_interface
    assert isinstance(sessions, SigningOnceSessionInterface)
    assert sessions.get_signing_serializer(app) is sessions.get_signing_serializer(app)


def test_a_new_key_refuses_old_cookies_unless_it_falls_back_to_their_key(
    app: Flask, client: FlaskClient, users: dict[str, User], login
) -> None:
    login(users["practice_manager"])
    assert _signed_in(client)
    before = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    old_key, old_fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.secret_key = "a-new-test-secret"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert app.session_interface.get_signing_serializer(app) is not before  # type: ignore[attr-defined]
        assert _signed_in(client)  # signed with a fallback key: still good
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert not _signed_in(client)  # neither the key nor a fallback: signed out
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, old_fallbacks


def test_a_call_without_a_session_sets_no_cookie(client: FlaskClient) -> None:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers


def test_a_session_emptied_deletes_its_cookie_and_an_untouched_one_sets_none(
    app: Flask,
) -> None:
    sessions = app.session_interface
    with app.test_request_context():
        emptied = SecureCookieSession({"_user_id": "1"})
        emptied.clear()  # modified, and now empty: as after a sign-out without a message
        answer = Response()
        sessions.save_session(app, emptied, answer)
        [cookie] = answer.headers.getlist("Set-Cookie")
        assert cookie.startswith("session=;") and "Expires=Thu, 01 Jan 1970" in cookie
        assert answer.headers["Vary"] == "Cookie"

        read = SecureCookieSession()
        read.accessed = True  # looked at (Flask's request context notes it), still empty
        answer = Response()
        sessions.save_session(app, read, answer)
        assert "Set-Cookie" not in answer.headers
        assert answer.headers["Vary"] == "Cookie"

        untouched = Response()
        sessions.save_session(app, SecureCookieSession(), untouched)
        assert "Set-Cookie" not in untouched.headers and "Vary" not in untouched.headers
