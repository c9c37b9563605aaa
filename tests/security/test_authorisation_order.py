"""Authorisation before state (issue 15, fault 10): someone who may not act learns nothing
from the refusal, neither a locked period, a record's state, an action's name, nor the
title or owner of an app they cannot see. Each case through the API and the pages."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.periods.schedule import PeriodRules, last_periods
from miniapps.models import App, AppVersion, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns.tracking import lock_period
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD

MONTHLY: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
    "version": 1,
    "schema": {"type": "object", "properties": {"count": {"type": "integer", "title": "Count"}}},
    "period": {"frequency": "monthly", "due_day": 10},
}
LOCK_WORDS = ("locked", "North PCN", "U00001", "signed off")


def _period() -> str:
    return last_periods(date.today(), PeriodRules.from_json(MONTHLY["period"]), 2)[-1]


@pytest.fixture
def monthly(db_session: Session, orgs: dict[str, Organisation]) -> App:
    published = app_service.publish(
        db_session,
        validate_definition(MONTHLY),
        [orgs["QWE"]],
        actor=None,
        targeted_from=date.today() - timedelta(days=400),
    )
    db_session.commit()
    return published.app


def _lock(session: Session, users: dict[str, User], orgs: dict[str, Organisation], app: App) -> str:
    period = _period()
    manager = users["pcn_manager"]
    lock_period(session, Access(manager), app, orgs["U00001"], period, manager)
    session.commit()
    return period


def _records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Record)) or 0


def _reloaded(session: Session, record: Record) -> Record:
    session.expire_all()
    found = session.get(Record, record.id)
    assert found is not None
    return found


def _says_nothing_of_the_lock(text: str) -> None:
    for word in LOCK_WORDS:
        assert word not in text, word


# --- another PCN's practice creating a record ---------------------------------------------


@pytest.mark.parametrize("locked", [True, False])
def test_api_create_for_another_pcns_practice_is_403_locked_or_not(
    client: FlaskClient, db_session: Session, users, orgs, token, monthly: App, locked: bool
) -> None:
    period = _lock(db_session, users, orgs, monthly) if locked else _period()
    before = _records(db_session)
    response = client.post(
        "/api/v1/apps/monthly_return/records",
        json={"org": "A00001", "period": period, "data": {"count": 1}},
        headers=token(users["practice_manager_2"]),
    )
    assert response.status_code == 403, response.get_json()
    _says_nothing_of_the_lock(response.get_json()["message"])
    assert _records(db_session) == before


@pytest.mark.parametrize("locked", [True, False])
def test_page_create_for_another_pcns_practice_is_403_locked_or_not(
    client: FlaskClient, db_session: Session, users, orgs, login, monthly: App, locked: bool
) -> None:
    period = _lock(db_session, users, orgs, monthly) if locked else _period()
    login(users["practice_manager_2"])
    response = client.post(
        f"/apps/monthly_return/new?org=A00001&period={period}", data={"count": "1"}
    )
    assert response.status_code == 403
    _says_nothing_of_the_lock(response.get_data(as_text=True))
    assert _records(db_session) == 0


def test_the_practice_itself_still_hears_of_the_lock(
    client: FlaskClient, db_session: Session, users, orgs, token, monthly: App
) -> None:
    period = _lock(db_session, users, orgs, monthly)
    response = client.post(
        "/api/v1/apps/monthly_return/records",
        json={"org": "A00001", "period": period, "data": {"count": 1}},
        headers=token(users["practice_staff"]),
    )
    assert response.status_code == 409
    assert "is locked for North PCN" in response.get_json()["message"]


def test_a_malformed_period_is_422_only_to_someone_who_may_write(
    client: FlaskClient, users, token, monthly: App
) -> None:
    body = {"org": "A00001", "period": "April", "data": {"count": 1}}
    other = client.post(
        "/api/v1/apps/monthly_return/records", json=body, headers=token(users["practice_manager_2"])
    )
    own = client.post(
        "/api/v1/apps/monthly_return/records", json=body, headers=token(users["practice_staff"])
    )
    assert (other.status_code, own.status_code) == (403, 422)


# --- an ICB viewer acting on a record in a locked period -----------------------------------


@pytest.fixture
def locked_record(
    db_session: Session, users: dict[str, User], orgs: dict[str, Organisation], monthly: App
) -> Record:
    """A00001's submitted return for a period that North PCN then locked."""
    staff = users["practice_staff"]
    period = _period()
    record = record_service.create_record(
        db_session, Access(staff), monthly, orgs["A00001"], {"count": 3},
        period=period, submit=True, actor=staff,
    )  # fmt: skip
    db_session.commit()
    _lock(db_session, users, orgs, monthly)
    return record


@pytest.mark.parametrize("action", ["approve", "return", "no_such_action"])
def test_api_icb_viewer_acting_on_a_locked_record_is_403(
    client: FlaskClient, db_session: Session, users, token, locked_record: Record, action: str
) -> None:
    response = client.post(
        f"/api/v1/records/{locked_record.id}/transitions",
        json={"action": action},
        headers=token(users["icb_viewer"]),
    )
    assert response.status_code == 403, response.get_json()
    _says_nothing_of_the_lock(response.get_json()["message"])
    assert "allowed" not in response.get_json()  # no list of the workflow's actions either
    assert _reloaded(db_session, locked_record).status == "submitted"


def test_page_icb_viewer_approving_a_locked_record_is_403(
    client: FlaskClient, db_session: Session, users, login, locked_record: Record
) -> None:
    login(users["icb_viewer"])
    response = client.post(
        f"/apps/monthly_return/records/{locked_record.id}/transition", data={"action": "approve"}
    )
    assert response.status_code == 403
    _says_nothing_of_the_lock(response.get_data(as_text=True))
    assert _reloaded(db_session, locked_record).status == "submitted"


def test_an_approver_still_hears_of_the_lock(
    client: FlaskClient, users, token, locked_record: Record
) -> None:
    response = client.post(
        f"/api/v1/records/{locked_record.id}/transitions",
        json={"action": "approve"},
        headers=token(users["pcn_manager"]),
    )
    assert response.status_code == 409
    assert "is locked for North PCN" in response.get_json()["message"]


def test_api_icb_viewer_editing_a_locked_record_is_403(
    client: FlaskClient, db_session: Session, users, token, locked_record: Record
) -> None:
    response = client.patch(
        f"/api/v1/records/{locked_record.id}",
        json={"data": {"count": 9}},
        headers={**token(users["icb_viewer"]), "If-Match": f'"{locked_record.version}"'},
    )
    assert response.status_code == 403
    _says_nothing_of_the_lock(response.get_json()["message"])


def test_page_icb_viewer_editing_a_locked_record_is_403(
    client: FlaskClient, db_session: Session, users, login, locked_record: Record
) -> None:
    login(users["icb_viewer"])
    response = client.post(
        f"/apps/monthly_return/records/{locked_record.id}/edit",
        data={"count": "9", "version": str(locked_record.version)},
    )
    assert response.status_code == 403
    _says_nothing_of_the_lock(response.get_data(as_text=True))
    assert _reloaded(db_session, locked_record).data == {"count": 3}


def test_service_order_for_updates_is_permission_then_lock(
    db_session: Session, users, locked_record: Record
) -> None:
    from miniapps.services.permissions import Forbidden
    from miniapps.services.returns.locks import PeriodLocked

    with pytest.raises(Forbidden):
        record_service.update_record(
            db_session, Access(users["icb_viewer"]), locked_record, {"count": 1},
            expected_version=locked_record.version, actor=users["icb_viewer"],
        )  # fmt: skip
    with pytest.raises(PeriodLocked):
        record_service.update_record(
            db_session, Access(users["practice_staff"]), locked_record, {"count": 1},
            expected_version=locked_record.version, actor=users["practice_staff"],
        )  # fmt: skip


# --- a second PCN publishing an app id it cannot see ----------------------------------------

NORTH_ONLY: dict[str, Any] = {
    "id": "north_secret_audit",
    "title": "North secret audit",
    "version": 1,
    "schema": {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}},
}
SECRET_WORDS = ("North secret audit", "North PCN", "U00001", "also published", "belongs to")


@pytest.fixture
def south_manager(db_session: Session, orgs: dict[str, Organisation]) -> User:
    user = user_service.create_user(
        db_session, "pcn2@example.nhs.uk", "South Manager", PASSWORD, "pcn_manager", orgs["U00002"]
    )
    db_session.commit()
    return user


@pytest.fixture
def north_secret(db_session: Session, users, orgs: dict[str, Organisation]) -> App:
    manager = users["pcn_manager"]
    published = app_service.publish(
        db_session,
        validate_definition(NORTH_ONLY),
        [orgs["U00001"]],
        manager,
        access=Access(manager),
    )
    db_session.commit()
    return published.app


def _versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AppVersion)) or 0


def test_api_publishing_an_unseen_apps_id_names_neither_title_nor_owner(
    client: FlaskClient, db_session: Session, south_manager: User, token, north_secret: App
) -> None:
    headers = token(south_manager)
    assert client.get(f"/api/v1/apps/{north_secret.id}", headers=headers).status_code == 404
    raw = {**NORTH_ONLY, "title": "Mine", "version": 2}
    response = client.post("/api/v1/apps?to=U00002", json=raw, headers=headers)
    assert response.status_code == 403
    message = response.get_json()["message"]
    assert "already taken" in message
    for word in SECRET_WORDS:
        assert word not in message, word
    assert _versions(db_session) == 1


@pytest.mark.parametrize("action", ["preview", "publish"])
def test_page_publishing_an_unseen_apps_id_names_neither_title_nor_owner(
    client: FlaskClient, db_session: Session, south_manager: User, login, north_secret, action
) -> None:
    login(south_manager)
    raw = {**NORTH_ONLY, "title": "Mine", "version": 2}
    response = client.post(
        "/apps/publish", data={"definition": json.dumps(raw), "action": action, "to": "U00002"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already taken" in html
    for word in SECRET_WORDS:
        assert word not in html, word
    assert client.get(f"/apps/{north_secret.id}/").status_code == 404
    assert _versions(db_session) == 1


def test_an_app_one_sees_is_still_named_in_the_refusal(
    client: FlaskClient, db_session: Session, users, orgs, token
) -> None:
    app_service.publish(db_session, validate_definition(NORTH_ONLY), [orgs["QWE"]], None)
    db_session.commit()
    response = client.post(
        "/api/v1/apps?to=U00001",
        json={**NORTH_ONLY, "version": 2},
        headers=token(users["pcn_manager"]),
    )
    assert response.status_code == 403
    assert "North secret audit" in response.get_json()["message"]
    assert "also published to Test ICB" in response.get_json()["message"]
