"""The compliance page of the evidence log: per key question and statement, for the
practices the user may read, and a 404 to everyone else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from miniapps.services import users as user_service

from tests.compliance_evidence import evidence, publish_log
from tests.publishing import publish_app

URL = "/apps/cqc_compliance/compliance"


@pytest.fixture
def log(db_session, orgs):
    return publish_log(db_session, [orgs["QWE"]])


def recently() -> datetime:
    return datetime.now(UTC) - timedelta(days=2)


def row(html: str, statement: str) -> str:
    found = re.search(
        rf'<tr class="nhsuk-table__row" data-statement="{statement}">(.*?)</tr>', html, re.S
    )
    assert found, statement
    return found.group(1)


def test_a_practice_manager_sees_their_practice(client, db_session, orgs, users, login, log):
    evidence(
        db_session,
        orgs["A00001"],
        ["learning_culture", "safeguarding"],
        at=recently(),
        title="Significant event review, March",
        by=users["practice_staff"],
    )
    login(users["practice_manager"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Compliance of North Surgery" in html
    assert 'data-evidence="1"' in row(html, "learning_culture")
    assert "Evidenced" in row(html, "learning_culture")
    assert "No evidence" in row(html, "safe_environments")
    assert "Illustrative: unverified" in row(html, "providing_information")
    assert "Illustrative" not in row(html, "safeguarding")
    assert "2 of 8 statements evidenced" in html  # Safe
    assert "Significant event review, March" in html  # the evidence, in a details element
    assert "<details" in html and "Feedback from staff and leaders" in html
    assert users["practice_staff"].name in html
    assert 'href="/apps/cqc_compliance/records/' in html
    assert ">Compliance</a>" in html  # the app's tab


def test_another_practice_is_not_found(client, orgs, users, login, log):
    login(users["practice_manager"])
    assert client.get(f"{URL}?org=A00002").status_code == 404
    assert client.get(f"{URL}?org=ZZZZZ").status_code == 404


def test_a_stakeholder_gets_not_found(client, users, login, log):
    login(users["stakeholder"])
    assert client.get(URL).status_code == 404


def test_a_pcn_manager_sees_member_practices_only(client, app, db_session, orgs, users, login, log):
    evidence(db_session, orgs["A00002"], ["safeguarding"], at=recently(), title="Hill audit")
    login(users["pcn_manager"])
    page = client.get(URL)  # no practice named: the heatmap (if there is one), or a choice
    if "apps.compliance_heatmap" in app.view_functions:
        assert page.status_code == 302
    else:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Choose a practice" in html
        assert "A00001" in html and "A00002" in html and "A00003" not in html
    member = client.get(f"{URL}?org=A00002")
    assert member.status_code == 200
    assert "Hill audit" in member.get_data(as_text=True)
    assert client.get(f"{URL}?org=A00003").status_code == 404  # another PCN's practice


def test_an_icb_viewer_chooses_among_practices_below(client, orgs, users, login, log):
    login(users["icb_viewer"])
    assert client.get(f"{URL}?org=A00004").status_code == 200


def test_an_app_without_compliance_has_no_such_page(client, orgs, users, login, fridge_app):
    login(users["practice_manager"])
    assert client.get("/apps/fridge_log/compliance").status_code == 404


def test_records_of_an_app_the_user_cannot_read_are_counted_not_listed(
    client, db_session, orgs, users, login, log
):
    publish_app(
        db_session,
        {
            "id": "board_minutes",
            "title": "Partners' board minutes",
            "version": 1,
            "schema": {"type": "object", "properties": {"topic": {"type": "string"}}},
            "permissions": {"read": ["practice_manager"], "write": ["practice_manager"]},
            "evidence": [
                {
                    "framework": "cqc-saf",
                    "statements": ["shared_direction_and_culture"],
                    "category": "feedback_from_staff_and_leaders",
                    "title_field": "/topic",
                }
            ],
        },
        [orgs["QWE"]],
    )
    evidence(
        db_session, orgs["A00001"], [], app_id="board_minutes", at=recently(), data={"topic": "Pay"}
    )
    staff = users["practice_staff"]
    login(staff)
    html = client.get(URL).get_data(as_text=True)
    assert 'data-evidence="1"' in row(html, "shared_direction_and_culture")
    assert "Pay" not in html
    assert "1 more from records you cannot open here" in html


def test_a_user_without_a_practice_role_there_is_not_found(client, db_session, orgs, log):
    outsider = user_service.create_user(
        db_session,
        "south@example.nhs.uk",
        "South Staff",
        "pw-long-enough",
        "practice_staff",
        orgs["A00003"],
    )
    db_session.commit()
    client.post("/auth/login", data={"email": outsider.email, "password": "pw-long-enough"})
    assert client.get(f"{URL}?org=A00001").status_code == 404
    assert client.get(URL).status_code == 200  # their own practice
