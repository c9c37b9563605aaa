"""The email settings page: NHS.UK radios, saved per user, linked from the header, CSRF."""

from __future__ import annotations

import re

from miniapps.models import NotificationPreference
from sqlalchemy import select


def test_the_header_links_to_the_settings_page(client, users, login, fridge_app):
    login(users["practice_manager"])
    home = client.get("/").get_data(as_text=True)
    assert 'href="/account/notifications"' in home
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "<h1>Email settings</h1>" in page
    assert 'type="radio"' in page and 'name="default"' in page
    assert 'name="app-fridge_log"' in page
    assert re.search(r'name="default" type="radio" value="immediate" checked', page)


def test_settings_are_saved_for_the_signed_in_user_only(
    client, db_session, users, login, fridge_app
):
    manager = users["practice_manager"]
    login(manager)
    response = client.post(
        "/account/notifications", data={"default": "digest", "app-fridge_log": "immediate"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert manager.notification_delivery == "digest"
    assert users["practice_staff"].notification_delivery == "immediate"
    assert db_session.scalars(select(NotificationPreference)).all()[0].delivery == "immediate"
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Your email settings are saved." in page
    assert re.search(r'name="default" type="radio" value="digest" checked', page)
    assert re.search(r'name="app-fridge_log" type="radio" value="immediate" checked', page)
    # Back to the default for the app removes the override.
    client.post("/account/notifications", data={"default": "digest", "app-fridge_log": "default"})
    assert db_session.scalars(select(NotificationPreference)).all() == []


def test_a_bad_choice_is_refused_and_nothing_changes(client, db_session, users, login, fridge_app):
    manager = users["practice_manager"]
    login(manager)
    response = client.post(
        "/account/notifications", data={"default": "hourly", "app-fridge_log": "digest"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and 'href="#default"' in page
    assert "Choose how you want to get emails" in page
    db_session.expire_all()
    assert manager.notification_delivery == "immediate"
    assert db_session.scalars(select(NotificationPreference)).all() == []


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_csrf_is_enforced(app, client, users, login):
    login(users["practice_manager"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post("/account/notifications", data={"default": "digest"})
        assert refused.status_code == 400
        page = client.get("/account/notifications").get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found is not None
        token = found.group(1)
        accepted = client.post(
            "/account/notifications", data={"default": "digest", "csrf_token": token}
        )
        assert accepted.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
