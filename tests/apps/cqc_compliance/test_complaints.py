"""The bundled complaints app: an acknowledgement must offer a discussion, a final
response must name the Ombudsman (both refused at the field's pointer, nothing changed),
and each complaint's page shows its deadlines: due, met, overdue, no longer needed."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from miniapps.models import App, Organisation, Record, User
from sqlalchemy.orm import Session

from tests.cqc_deadlines import complaint, publish_complaints, take

TODAY = date.today()


def _complaint(db_session: Session, orgs, users, received: date) -> tuple[App, Record]:
    app = publish_complaints(db_session, orgs)
    record = complaint(db_session, app, orgs["A00001"], users["practice_staff"], received)
    db_session.commit()
    return app, record


def _step(client: FlaskClient, headers: dict[str, str], record: Record, body: dict) -> tuple:
    response = client.post(f"/api/v1/records/{record.id}/transitions", json=body, headers=headers)
    return response.status_code, response.get_json()


def test_an_acknowledgement_without_a_discussion_offered_is_refused(
    client: FlaskClient, db_session: Session, orgs, users, token
) -> None:
    _, record = _complaint(db_session, orgs, users, TODAY - timedelta(days=1))
    headers = token(users["practice_manager"])
    refused = {"acknowledged_on": TODAY.isoformat(), "discussion_offered": False}
    status, body = _step(client, headers, record, {"action": "acknowledge", "data": refused})
    assert status == 422, body
    assert [e["pointer"] for e in body["errors"]] == ["/discussion_offered"]
    assert "Discussion offered must be Yes" in body["errors"][0]["message"]
    status, body = _step(
        client, headers, record,
        {"action": "acknowledge", "data": {"acknowledged_on": TODAY.isoformat()}},
    )  # fmt: skip
    assert status == 422 and [e["pointer"] for e in body["errors"]] == ["/discussion_offered"]
    db_session.expire_all()
    assert record.status == "received" and "acknowledged_on" not in record.data

    given = {"acknowledged_on": TODAY.isoformat(), "discussion_offered": True}
    status, body = _step(client, headers, record, {"action": "acknowledge", "data": given})
    assert status == 200, body
    db_session.expire_all()
    assert record.status == "acknowledged" and record.data["discussion_offered"] is True


def test_a_final_response_that_does_not_name_the_ombudsman_is_refused(
    client: FlaskClient, db_session: Session, orgs, users, token
) -> None:
    _, record = _complaint(db_session, orgs, users, TODAY - timedelta(days=20))
    take(db_session, record, users["practice_manager"], "acknowledge", TODAY - timedelta(days=19),
         {"acknowledged_on": (TODAY - timedelta(days=19)).isoformat(),
          "discussion_offered": True})  # fmt: skip
    db_session.commit()
    headers = token(users["practice_manager"])
    answer = {"response_on": TODAY.isoformat(), "outcome": "partly_upheld"}
    status, body = _step(
        client, headers, record,
        {"action": "respond", "data": {**answer, "ombudsman_named": False}},
    )  # fmt: skip
    assert status == 422, body
    assert [e["pointer"] for e in body["errors"]] == ["/ombudsman_named"]
    assert "Ombudsman named must be Yes" in body["errors"][0]["message"]
    status, body = _step(client, headers, record, {"action": "respond", "data": answer})
    assert status == 422 and [e["pointer"] for e in body["errors"]] == ["/ombudsman_named"]
    db_session.expire_all()
    assert record.status == "acknowledged" and "response_on" not in record.data

    status, body = _step(
        client, headers, record,
        {"action": "respond", "data": {**answer, "ombudsman_named": True}},
    )  # fmt: skip
    assert status == 200, body


def test_the_record_page_shows_the_deadlines(
    client: FlaskClient, db_session: Session, orgs: dict[str, Organisation], users, login
) -> None:
    # Received 20 days ago and not acknowledged: overdue (3 working days is at most 7 days).
    app, late = _complaint(db_session, orgs, users, TODAY - timedelta(days=20))
    on_time = complaint(
        db_session, app, orgs["A00001"], users["practice_staff"], TODAY - timedelta(days=40)
    )
    take(db_session, on_time, users["practice_manager"], "acknowledge", TODAY - timedelta(days=40),
         {"acknowledged_on": (TODAY - timedelta(days=40)).isoformat(),
          "discussion_offered": True})  # fmt: skip
    db_session.commit()
    login(users["practice_manager"])

    page = client.get(f"/apps/{app.id}/records/{late.id}").get_data(as_text=True)
    assert 'id="deadlines-heading">Deadlines' in page
    assert "Acknowledge within 3 working days" in page
    assert "Holding letter by 6 months" in page
    assert "nhsuk-tag--red" in page and "Overdue by " in page
    assert "Due in " in page  # the holding letter, months away

    page = client.get(f"/apps/{app.id}/records/{on_time.id}").get_data(as_text=True)
    day = TODAY - timedelta(days=40)
    assert f"Met on {day.day} {day:%B %Y}" in page and "nhsuk-tag--green" in page


def test_an_app_without_deadlines_has_no_deadlines_panel(
    client: FlaskClient, submitted: Record, users: dict[str, User], login
) -> None:
    login(users["practice_manager"])
    page = client.get(f"/apps/fridge_log/records/{submitted.id}").get_data(as_text=True)
    assert "Deadlines" not in page
