"""The request's user read in one statement on the request's own session (issue 17):
the bearer token or the signed-in session, the user's state and their memberships. What
the units of their own gave must still hold: refused tokens and sessions answer as
before, and a due note of use is a transaction of its own, kept even when the request
then fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from miniapps.db import db
from miniapps.models import ApiToken, UserSession
from miniapps.services.users.tokens import token_user
from miniapps.services.users.units import within
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.statements import recorded_statements


def _selects_during(app: Flask, action) -> list[str]:
    with recorded_statements(db.engine(app), only=("SELECT",)) as seen:
        action()
    return seen


def test_the_token_its_user_and_memberships_are_one_statement(app, client, users, token):
    headers = token(users["practice_manager"])
    client.get("/api/v1/apps", headers=headers)  # the first use is noted: not counted
    seen = _selects_during(app, lambda: client.get("/api/v1/apps", headers=headers))
    first = seen[0]
    assert "api_tokens" in first and "memberships" in first
    assert not any("api_tokens" in statement for statement in seen[1:])
    assert not any("FROM users" in statement for statement in seen[1:])


def test_a_failed_request_still_notes_the_token_use(client, users, token, db_session: Session):
    headers = token(users["practice_manager"])
    answer = client.post("/api/v1/apps/no_such_app/records", json={}, headers=headers)
    assert answer.status_code == 404
    db_session.expire_all()
    assert db_session.scalars(select(ApiToken.last_used_at)).one() is not None


def test_refused_tokens_are_refused_by_the_one_statement(client, users, token, db_session):
    headers = token(users["practice_manager"])
    stranger = {"Authorization": "Bearer mna_not_a_token"}
    assert client.get("/api/v1/apps", headers=stranger).status_code == 401
    past = datetime.now(UTC) - timedelta(days=1)
    db_session.execute(update(ApiToken).values(expires_at=past))
    db_session.commit()
    answer = client.get("/api/v1/apps", headers=headers)
    assert answer.status_code == 401
    assert "expired" in answer.get_json()["message"]
    db_session.execute(update(ApiToken).values(expires_at=past + timedelta(days=30)))
    users["practice_manager"].active = False
    db_session.commit()
    assert client.get("/api/v1/apps", headers=headers).status_code == 401


def test_a_page_reads_its_session_and_user_in_one_statement(app, client, users, login):
    login(users["practice_manager"])
    seen = _selects_during(app, lambda: client.get("/"))
    assert "user_sessions" in seen[0] and "memberships" in seen[0]
    assert not any("user_sessions" in statement for statement in seen[1:])


def test_a_failed_page_request_still_notes_the_session_use(
    app, client, users, login, db_session: Session
):
    login(users["practice_manager"])
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    db_session.execute(update(UserSession).values(last_seen_at=earlier))
    db_session.commit()
    assert client.post("/apps/no_such_app/new", data={}).status_code == 404
    db_session.expire_all()
    seen = db_session.scalars(select(UserSession.last_seen_at)).one()
    assert seen.replace(tzinfo=UTC) > earlier + timedelta(minutes=4)


def test_a_signed_in_user_made_inactive_is_signed_out(client, users, login, db_session):
    login(users["practice_manager"])
    assert client.get("/").status_code == 200
    users["practice_manager"].active = False
    db_session.commit()
    assert client.get("/").status_code in (302, 401)


def test_the_note_never_commits_what_the_caller_has_pending(users, token, db_session: Session):
    """The request's transaction is ended before a due note only when it holds nothing
    but the read: a change waiting to be flushed stays in the caller's transaction."""
    value = token(users["practice_manager"])["Authorization"].removeprefix("Bearer ")
    users["practice_staff"].name = "Changed, not yet flushed"
    user, check = token_user(db_session, within(db_session), value)
    assert user is not None and check.last_used_at is None  # the note was due
    assert db_session.in_transaction()  # not committed here
