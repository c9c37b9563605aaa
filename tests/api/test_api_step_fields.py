"""POST /records/{id}/transitions with "data": the values of the fields the step fills in
(a stakeholder's decision). Authorisation (403) and state (409) come before the data
(422); a key outside the step's fields is refused at /data/<key>, a bad value at the
field's pointer, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.models import App, AuditEntry, Organisation, Record
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.step_fields_app import publish_decision_app, send_concern

DECISION = {"la_outcome": "other", "la_reasons": "Family support arranged"}


@pytest.fixture
def sent(db_session: Session, orgs: dict[str, Organisation], users, stakeholders) -> Record:
    app: App = publish_decision_app(db_session, [orgs["QWE"]])
    return send_concern(db_session, app, users["practice_staff"], orgs["A00001"])


def act(client: FlaskClient, auth: dict[str, str], record: Record, **body: Any):
    return client.post(f"/api/v1/records/{record.id}/transitions", json=body, headers=auth)


def pointers(response) -> list[str]:
    return [e["pointer"] for e in response.get_json()["errors"]]


def updates(db_session: Session, record: Record) -> int:
    found = db_session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record.id, AuditEntry.action == "update")
    )
    return len(list(found))


def test_the_la_decides_with_its_outcome(
    client, db_session, token, stakeholder_users, sent
) -> None:
    officer = stakeholder_users["LAADULT"]
    response = act(client, token(officer), sent, action="decide", data=DECISION)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "decided"
    assert answer["data"]["la_outcome"] == "other"
    assert answer["data"]["la_reasons"] == "Family support arranged"
    assert answer["data"]["summary"] == "Bruising seen at a home visit"
    assert updates(db_session, sent) == 1


def test_bad_data_is_refused_at_its_pointer_with_nothing_stored(
    client, db_session, token, stakeholder_users, sent
) -> None:
    auth = token(stakeholder_users["LAADULT"])
    outside = act(client, auth, sent, action="decide", data={**DECISION, "x": 1})
    assert outside.status_code == 422 and pointers(outside) == ["/data/x"]
    assert outside.get_json()["error"] == "invalid_data"
    bad = act(client, auth, sent, action="decide", data={"la_outcome": "maybe"})
    assert bad.status_code == 422 and pointers(bad) == ["/la_outcome"]
    needs_reasons = act(client, auth, sent, action="decide", data={"la_outcome": "other"})
    assert needs_reasons.status_code == 422 and pointers(needs_reasons) == ["/la_reasons"]
    missing = act(client, auth, sent, action="decide")
    assert missing.status_code == 422 and pointers(missing) == ["/la_outcome"]
    not_object = act(client, auth, sent, action="decide", data=["la_outcome"])
    assert not_object.status_code == 422 and pointers(not_object) == ["/data"]
    record = client.get(f"/api/v1/records/{sent.id}", headers=auth).get_json()
    assert record["status"] == "sent" and "la_outcome" not in record["data"]
    assert updates(db_session, sent) == 0


def test_who_and_when_come_before_the_data(
    client, db_session, token, users, stakeholder_users, sent
) -> None:
    # The practice may not take the LA's step: 403, whatever the data says.
    staff = act(client, token(users["practice_staff"]), sent, action="decide", data={"x": 1})
    assert staff.status_code == 403
    auth = token(stakeholder_users["LAADULT"])
    assert act(client, auth, sent, action="decide", data=DECISION).status_code == 200
    # Decided already: 409, not a complaint about the data.
    again = act(client, auth, sent, action="decide", data={"x": 1})
    assert again.status_code == 409
    # A step that fills in nothing refuses any data.
    close = act(client, auth, sent, action="close", data={"la_outcome": "other"})
    assert close.status_code == 422 and pointers(close) == ["/data/la_outcome"]


def test_the_practice_cannot_change_the_decision_through_patch(
    client, db_session, token, users, stakeholder_users, sent
) -> None:
    act(client, token(stakeholder_users["LAADULT"]), sent, action="decide", data=DECISION)
    auth = token(users["practice_staff"])
    record = client.get(f"/api/v1/records/{sent.id}", headers=auth)
    etag = record.headers["ETag"]
    data = {**record.get_json()["data"], "la_outcome": "section_42_enquiry"}
    url = f"/api/v1/records/{sent.id}"
    refused = client.patch(url, json={"data": data}, headers={**auth, "If-Match": etag})
    assert refused.status_code == 422 and pointers(refused) == ["/la_outcome"]
    mine = {"kind": "adult", "summary": "Bruising and a burn"}  # the step fields left out
    saved = client.patch(url, json={"data": mine}, headers={**auth, "If-Match": etag})
    assert saved.status_code == 200
    assert saved.get_json()["data"] == {**mine, **DECISION}
