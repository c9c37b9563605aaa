"""Lookups a submit makes together (issue 17): the app with its latest version's content
hash, and the organisation with whether the app is published to it (and, for the API,
both in one statement). Each must answer
what the separate lookups answered, including right after a publish or a rollback in the
same session."""

from __future__ import annotations

import pytest
from miniapps.models import App, Organisation, User
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods_for_app, writable_orgs
from miniapps.services.permissions import Access, is_targeted
from miniapps.services.records.listing import visible_app
from miniapps.services.records.new_record_lookup import app_and_org, app_with_writable_orgs
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app
from tests.statements import recorded_statements


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
    with recorded_statements(db_session) as seen:
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


@pytest.fixture
def south_log(db_session: Session, orgs: dict[str, Organisation]) -> App:
    """The fridge log again, published to the South PCN only."""
    south = load_example("fridge_log") | {"id": "south_log", "title": "South log"}
    return publish_app(db_session, south, [orgs["U00002"]])


@pytest.mark.usefixtures("fridge_app", "south_log")
def test_the_app_and_the_organisation_together_agree_with_the_separate_lookups(
    db_session: Session, users: dict[str, User], orgs: dict[str, Organisation]
) -> None:
    """Whenever the one statement answers, the separate lookups say the same: the caller
    sees the app, and the organisation and its targeting are the same. It answers for
    everyone who may read at a targeted, active organisation, and for the admin."""
    orgs["A00004"].active = False
    db_session.commit()
    answered = set()
    for key, user in users.items():
        access = Access(user)
        for app_id in ("fridge_log", "south_log", "nope"):
            for ods in [*orgs, "ZZZ99", " a00001 "]:
                db_session.expire_all()
                place = app_and_org(db_session, access, app_id, ods)
                if place is None:
                    continue
                answered.add((key, app_id, ods.strip().upper()))
                assert visible_app(db_session, access, app_id) is place.app
                org, targeted = by_ods_for_app(db_session, ods, app_id)
                assert (org, targeted) == (place.org, place.targeted)
    assert ("practice_staff", "fridge_log", "A00001") in answered
    assert ("pcn_manager", "fridge_log", "A00002") in answered
    assert ("platform_admin", "south_log", "LA001") in answered  # the admin sees every app
    assert ("practice_staff", "south_log", "A00001") not in answered  # not published there
    assert ("practice_manager_2", "south_log", "A00004") not in answered  # closed
    assert ("practice_manager", "fridge_log", "A00003") not in answered  # not theirs
    assert not any(app_id == "nope" for _, app_id, _ in answered)


@pytest.mark.parametrize(
    ("who", "app_id", "body", "status", "error"),
    [
        # The app's 404 comes first, whatever is wrong with the body or the organisation.
        ("practice_manager", "nope", {"org": "A00001", "data": {}}, 404, "not_found"),
        ("practice_manager", "south_log", {"org": "A00001", "data": {}}, 404, "not_found"),
        ("practice_manager", "south_log", {"data": {}}, 404, "not_found"),
        ("practice_manager", "south_log", {"org": "A00003", "data": {}}, 404, "not_found"),
        # Then the body, then the organisation, then the permission.
        ("practice_manager", "fridge_log", {"org": 7, "data": {}}, 422, "invalid_request"),
        ("practice_manager", "fridge_log", {"org": "ZZZ99", "data": {}}, 422, "invalid_request"),
        ("practice_manager", "fridge_log", {"org": "A00003", "data": {}}, 403, "forbidden"),
        ("platform_admin", "south_log", {"org": "A00001", "data": {}}, 403, "forbidden"),
        ("practice_manager_2", "south_log", {"org": "A00003", "data": {}}, 201, None),
    ],
)
@pytest.mark.usefixtures("fridge_app", "south_log")
def test_the_api_answers_in_the_usual_order(
    client,
    users: dict[str, User],
    token,
    who: str,
    app_id: str,
    body: dict,
    status: int,
    error: str | None,
) -> None:
    answer = client.post(f"/api/v1/apps/{app_id}/records", json=body, headers=token(users[who]))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json().get("error") == error


@pytest.mark.usefixtures("fridge_app", "south_log")
def test_the_app_with_where_to_write_agrees_with_the_separate_lookups(
    db_session: Session, users: dict[str, User], orgs: dict[str, Organisation]
) -> None:
    """The form's one statement: whenever it answers, the app is the one the caller sees
    and the organisations are :func:`writable_orgs`, in order, including under an app
    whose ``permissions`` let fewer roles write than the roles allow."""
    managers_only = load_example("fridge_log") | {
        "id": "managers_log",
        "title": "Managers' log",
        "permissions": {"write": ["practice_manager"]},
    }
    publish_app(db_session, managers_only, [orgs["QWE"]])
    orgs["A00004"].active = False
    db_session.commit()
    answered = set()
    for key, user in users.items():
        access = Access(user)
        for app_id in ("fridge_log", "south_log", "managers_log", "nope"):
            db_session.expire_all()
            place = app_with_writable_orgs(db_session, access, app_id)
            seen = visible_app(db_session, access, app_id)
            writable = writable_orgs(db_session, access, seen) if seen is not None else []
            if place is None:
                assert not writable or seen is None
                continue
            answered.add((key, app_id))
            assert place == (seen, writable)
    assert ("practice_staff", "fridge_log") in answered
    assert ("practice_manager", "managers_log") in answered
    assert ("practice_staff", "managers_log") not in answered  # the app's permissions
    assert ("practice_manager_2", "south_log") in answered
    assert ("practice_manager", "south_log") not in answered
    assert ("icb_viewer", "fridge_log") not in answered  # reads, never writes
    assert not any(app_id == "nope" for _, app_id in answered)
