"""What one submit costs the database, through the API and the record form: pinned, so a
lookup that creeps back in per request (a definition read again, every app listed to find
one, a version's JSON parsed per call) fails here. Counted with a ``before_cursor_execute``
listener on the engine; transaction control (BEGIN, SAVEPOINT, RELEASE) is not counted,
so both databases give the same figures.

A submit through the API: the token, its user's state and the user with memberships (1,
together, on the request's session), the app, whether the caller sees it and its latest
version's content hash, with the organisation named by its code and whether the app is
published to it (1, together: services/records/new_record_lookup.py; the definition then
comes from the process's cache, no statement of its own), the record, inserted already
submitted (1: nothing sees its draft, see services/records/direct_submit.py), the
"create" and submit audit entries (1, together); then the recipients of both emails (the
definition's ``submitted`` notification and the built-in one) with their memberships and
delivery preferences (1), and the two emails (1, together). The form reads the signed-in
session with its user (1) instead of the token, and the app with the organisations the
user may write at that it is published to (1, together) instead of the app with the
organisation by its code. Before the caches: 31 and 28; then 20 and 20; then 13 and 13;
then 10 and 10; then 7 and 7; now 6 and 6.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.db import db
from miniapps.models import App, Organisation, User
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app
from tests.statements import recorded_statements

API_SUBMIT = 6
FORM_SUBMIT = 6
WORK = ("SELECT", "INSERT", "UPDATE", "DELETE")


NOTIFY = {"on": "submitted", "to": ["practice_manager"], "template": "A reading came in."}


@pytest.fixture
def notifying_app(db_session: Session, fridge_app: App, orgs: dict[str, Organisation]) -> App:
    """The fridge log, whose v2 tells the practice manager of every reading."""
    raw = load_example("fridge_log") | {"version": 2, "notifications": [NOTIFY]}
    return publish_app(db_session, raw, [orgs["QWE"]])


def api_submit(client: FlaskClient, auth: dict[str, str], reading: float) -> None:
    body = {"org": "A00001", "data": {"reading": reading}, "submit": True}
    answer = client.post("/api/v1/apps/fridge_log/records", json=body, headers=auth)
    assert answer.status_code == 201, answer.get_json()


def test_api_submit_statements(
    app: Flask,
    client: FlaskClient,
    users: dict[str, User],
    notifying_app: App,
    token,
) -> None:
    auth = token(users["practice_staff"])
    api_submit(client, auth, 4.0)  # the token's first use is noted once (not every request)
    with recorded_statements(db.engine(app), only=WORK) as seen:
        api_submit(client, auth, 5.0)
    assert len(seen) == API_SUBMIT, "\n".join(seen)


def test_form_submit_statements(
    app: Flask,
    client: FlaskClient,
    users: dict[str, User],
    notifying_app: App,
    login,
) -> None:
    login(users["practice_staff"])

    def form_submit(reading: str) -> None:
        answer = client.post(
            "/apps/fridge_log/new?org=A00001", data={"reading": reading, "submit": ""}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]

    form_submit("4.0")
    with recorded_statements(db.engine(app), only=WORK) as seen:
        form_submit("5.0")
    assert len(seen) == FORM_SUBMIT, "\n".join(seen)
