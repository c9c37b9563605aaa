"""Fields shown with the ``person`` widget (the training app's ``/person``): the form offers
the people holding a role at the record's organisation (value: their email), and every
write path refuses an email that is not a current member's, at the field's pointer,
storing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cqc_deadlines import publish_training

DONE = (date.today() - timedelta(days=3)).isoformat()


@pytest.fixture
def training(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_training(db_session, orgs)


def count(db_session: Session) -> int:
    query = select(func.count()).select_from(Record).where(Record.app_id == "cqc_training")
    return db_session.scalar(query) or 0


def post(client: FlaskClient, headers: dict[str, str], person: str) -> tuple[int, dict]:
    body = {"org": "A00001", "submit": True,
            "data": {"person": person, "course": "fire_safety", "completed_on": DONE}}  # fmt: skip
    response = client.post("/api/v1/apps/cqc_training/records", json=body, headers=headers)
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    "person",
    [
        "pm2@example.nhs.uk",  # a manager of another practice
        "pcn@example.nhs.uk",  # holds a role above the practice, not at it
        "nobody@example.nhs.uk",  # no such user
    ],
)
def test_an_email_that_is_not_a_members_is_refused_at_the_pointer(
    client: FlaskClient, db_session: Session, training: App, users, token, person: str
) -> None:
    status, body = post(client, token(users["practice_manager"]), person)
    assert status == 422, body
    [error] = body["errors"]
    assert error["pointer"] == "/person"
    assert f"{person} is not a current member of North Surgery (A00001)" in error["message"]
    assert count(db_session) == 0


def test_a_member_is_accepted_whatever_the_case_of_the_email(
    client: FlaskClient, db_session: Session, training: App, users, token
) -> None:
    status, body = post(client, token(users["practice_manager"]), "Staff@Example.nhs.uk")
    assert status == 201, body
    assert count(db_session) == 1


def test_someone_who_left_is_refused(
    db_session: Session, orgs, training: App, users: dict[str, User]
) -> None:
    users["practice_staff"].active = False
    db_session.commit()
    manager = users["practice_manager"]
    data = {"person": "staff@example.nhs.uk", "course": "fire_safety", "completed_on": DONE}
    with pytest.raises(DataInvalid) as caught:
        record_service.create_record(
            db_session, Access(manager), training, orgs["A00001"], data, submit=True,
            actor=manager,
        )  # fmt: skip
    assert [issue.pointer for issue in caught.value.issues] == ["/person"]


def test_the_form_offers_the_organisations_people_by_name_and_role(
    client: FlaskClient, training: App, users, login
) -> None:
    login(users["practice_manager"])
    page = client.get("/apps/cqc_training/new?org=A00001").get_data(as_text=True)
    assert 'value="staff@example.nhs.uk"' in page
    assert "Practice Staff (practice staff)" in page
    assert "Practice Manager (practice manager)" in page
    assert "pm2@example.nhs.uk" not in page and "pcn@example.nhs.uk" not in page


def test_the_form_refuses_a_non_member_beside_the_field(
    client: FlaskClient, db_session: Session, training: App, users, login
) -> None:
    login(users["practice_manager"])
    form = {"org": "A00001", "person": "pm2@example.nhs.uk", "course": "fire_safety",
            "completed_on-day": "1", "completed_on-month": "3", "completed_on-year": "2025",
            "submit": "1"}  # fmt: skip
    response = client.post("/apps/cqc_training/new?org=A00001", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "pm2@example.nhs.uk is not a current member of North Surgery" in page
    assert count(db_session) == 0
