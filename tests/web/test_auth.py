"""Sign-in: passwords, rate limit, CSRF, safe redirects, organisation switcher."""

from __future__ import annotations

import re

from miniapps.services import users as user_service
from miniapps.services.users import check_password


def test_passwords_are_hashed_with_argon2(users, password):
    user = users["practice_manager"]
    assert user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash
    assert check_password(user, password) and not check_password(user, "wrong password")


def test_sign_in_and_out(client, users, password):
    response = client.post(
        "/auth/login", data={"email": "PM@example.nhs.uk ", "password": password}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert "My apps" in home.get_data(as_text=True)
    client.post("/auth/logout")
    assert client.get("/").headers["Location"].endswith("/auth/login")


def test_wrong_password_is_refused_with_the_error_pattern(client, users):
    response = client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": "nope"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#email"' in html
    assert 'value="pm@example.nhs.uk"' in html  # input kept


def test_login_is_rate_limited(client, users, app, password):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": "nope"})
    waiting = client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": password})
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) >= 1
    assert "Too many sign-in attempts. Wait 1 second," in waiting.get_data(as_text=True)


def test_next_parameter_never_redirects_off_site(client, users, password):
    response = client.post(
        "/auth/login?next=//evil.example/x",
        data={"email": "pm@example.nhs.uk", "password": password},
    )
    assert response.headers["Location"] == "/"


def test_csrf_is_enforced_when_enabled(app, client, users, password):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(
            "/auth/login", data={"email": "pm@example.nhs.uk", "password": password}
        )
        assert refused.status_code == 400
        page = client.get("/auth/login").get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found is not None
        token = found.group(1)
        accepted = client.post(
            "/auth/login",
            data={"email": "pm@example.nhs.uk", "password": password, "csrf_token": token},
        )
        assert accepted.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_session_cookie_is_httponly(client, users, password):
    response = client.post("/auth/login", data={"email": "pm@example.nhs.uk", "password": password})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_organisation_switcher_only_offers_own_memberships(
    client, db_session, users, orgs, login, password
):
    user = user_service.create_user(
        db_session, "multi@example.nhs.uk", "Multi", password, "practice_manager", orgs["A00001"]
    )
    user_service.create_user(
        db_session, user.email, user.name, None, "practice_manager", orgs["A00003"]
    )
    db_session.commit()
    login(user)
    html = client.get("/").get_data(as_text=True)
    assert "Acting for" in html and "South Surgery" in html
    client.post("/auth/organisation", data={"org_id": orgs["A00003"].id})
    assert "For South Surgery (A00003)" in client.get("/").get_data(as_text=True)
    client.post("/auth/organisation", data={"org_id": orgs["A00004"].id})  # not theirs: ignored
    assert "For South Surgery (A00003)" in client.get("/").get_data(as_text=True)
