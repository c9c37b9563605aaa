"""Issue 11 in the browser's pages: starting a record for a period the practice has
already returned opens that record, saying so; the author of a record is offered no
Approve button and is told why if they try."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import Record
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import func, select

from tests.publishing import publish_app

MONTHLY: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "required": ["patients"],
        "properties": {"patients": {"type": "integer", "title": "Patients"}},
    },
}
NEW = "/apps/monthly_return/new"


@pytest.fixture
def monthly(db_session, orgs):
    return publish_app(db_session, MONTHLY, [orgs["QWE"]])


def store(db_session, users, orgs, app, who="practice_manager", submit=True) -> Record:
    user = users[who]
    record = create_record(
        db_session,
        Access(user),
        app,
        orgs["A00001"],
        {"patients": 12},
        period="2025-11",
        submit=submit,
        actor=user,
    )
    db_session.commit()
    return record


def records(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Record)) or 0


def test_starting_a_returned_period_opens_the_draft_to_carry_on(
    client, db_session, users, orgs, login, monthly
):
    draft = store(db_session, users, orgs, monthly, submit=False)
    login(users["practice_manager"])
    response = client.get(f"{NEW}?org=A00001&period=2025-11")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/records/{draft.id}/edit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        f"North Surgery already has a record for November 2025 (record {draft.id}), "
        "so it is opened here instead of starting another."
    ) in page


def test_a_submitted_return_opens_read_only_and_a_post_stores_nothing(
    client, db_session, users, orgs, login, monthly
):
    submitted = store(db_session, users, orgs, monthly)
    login(users["practice_staff"])
    response = client.post(
        NEW, data={"org": "A00001", "period": "2025-11", "patients": "40", "submit": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/records/{submitted.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "It is submitted and can no longer be changed." in page
    assert records(db_session) == 1
    # Another period starts a new record as before.
    other = client.get(f"{NEW}?org=A00001&period=2025-10")
    assert other.status_code == 200 and "Patients" in other.get_data(as_text=True)


def test_the_author_is_offered_no_approve_button_and_told_why(
    client, db_session, users, orgs, login, monthly
):
    record = store(db_session, users, orgs, monthly, who="pcn_manager")
    url = f"/apps/monthly_return/records/{record.id}"
    login(users["pcn_manager"])
    assert 'value="approve"' not in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/transition", data={"action": "approve"})
    assert refused.status_code == 403
    assert "Someone else must approve" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Record, record.id).status == "submitted"
    login(users["practice_manager"])  # the practice's own manager: the PCN reviews it
    assert 'value="approve"' not in client.get(url).get_data(as_text=True)
    login(users["platform_admin"])
    assert 'value="approve"' in client.get(url).get_data(as_text=True)
