"""Lookups a submit makes together (issue 17): the app with its latest version's content
hash, and the organisation with whether the app is published to it. Each must answer
what the separate lookups answered, including right after a publish or a rollback in the
same session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from miniapps.models import App, Organisation, User
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods_for_app
from miniapps.services.permissions import Access, is_targeted
from miniapps.services.records.listing import visible_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _fresh_app(session: Session, admin: User) -> App:
    """The app as a request meets it: read anew, with nothing remembered from before."""
    session.expire_all()
    session.info.clear()
    found = visible_app(session, Access(admin), "fridge_log")
    assert found is not None
    return found


def test_the_app_brings_its_latest_hash_so_the_definition_costs_no_statement(
    db_session: Session, users: dict[str, User], fridge_app: App
) -> None:
    admin = users["platform_admin"]
    app_definition(db_session, _fresh_app(db_session, admin))  # the process meets its JSON
    app = _fresh_app(db_session, admin)
    with counted(db_session) as seen:
        definition = app_definition(db_session, app)
    assert seen == []  # neither its hash nor its JSON read again
    assert definition.version == 1


def test_a_publish_in_the_same_session_is_followed(
    db_session: Session, users: dict[str, User], orgs: dict[str, Organisation], fridge_app: App
) -> None:
    admin = users["platform_admin"]
    assert app_definition(db_session, _fresh_app(db_session, admin)).version == 1
    raw = load_example("fridge_log") | {"version": 2, "title": "Fridge log, second"}
    publish_app(db_session, raw, [orgs["QWE"]], commit=False)
    app = visible_app(db_session, Access(admin), "fridge_log")
    assert app is not None
    definition = app_definition(db_session, app)
    assert (definition.version, definition.title) == (2, "Fridge log, second")


def test_a_rollback_forgets_the_hashes(
    db_session: Session, users: dict[str, User], fridge_app: App
) -> None:
    _fresh_app(db_session, users["platform_admin"])
    assert "miniapps.version_hashes" in db_session.info
    db_session.rollback()
    assert "miniapps.version_hashes" not in db_session.info


def test_the_organisation_comes_with_whether_the_app_reaches_it(
    db_session: Session, orgs: dict[str, Organisation], fridge_app: App
) -> None:
    for ods in ("A00001", "QWE", "LA001", " a00003 "):
        org, targeted = by_ods_for_app(db_session, ods, fridge_app.id)
        assert org.ods == ods.strip().upper()
        assert targeted == is_targeted(db_session, fridge_app.id, org)
    assert by_ods_for_app(db_session, "A00001", fridge_app.id)[1] is True
    assert by_ods_for_app(db_session, "LA001", fridge_app.id)[1] is False
    with pytest.raises(UnknownOrganisation):
        by_ods_for_app(db_session, "ZZZ99", fridge_app.id)


def test_the_api_refuses_an_organisation_the_app_is_not_published_to(
    client, users: dict[str, User], token, fridge_app: App
) -> None:
    headers = token(users["platform_admin"])
    body = {"org": "LA001", "data": {"reading": 4.0}, "submit": True}
    answer = client.post("/api/v1/apps/fridge_log/records", json=body, headers=headers)
    assert answer.status_code == 403
    assert "not published to" in answer.get_json()["message"]
