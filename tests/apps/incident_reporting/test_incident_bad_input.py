"""Bad input through the API and the form: refused at its pointer with a plain message,
nothing stored and nothing sent; the consent gate holds through a real form POST and
the API, and nothing goes through a channel until the record is valid in full."""

from __future__ import annotations

import re
from typing import Any

import pytest
from miniapps.models import Record
from sqlalchemy import func, select

from tests.apps.incident_reporting.incident_data import (
    adult_referral,
    child_referral,
    items_of,
    safety_event,
)

RECORDS = "/api/v1/apps/incident_reporting/records"
BASIS = "Select the lawful basis for sharing without consent"
REASON = "Enter why you are sharing without consent"


def record_count(db_session) -> int:
    return db_session.scalar(select(func.count(Record.id))) or 0


def errors(response) -> dict[str, str]:
    return {e["pointer"]: e["message"] for e in response.get_json()["errors"]}


def without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


BAD_INPUT = [
    pytest.param(
        without(adult_referral(), "abuse_categories"),
        {"/abuse_categories": "Select type of abuse or neglect"},
        id="referral without a category",
    ),
    pytest.param(
        child_referral(abuse_categories=["financial"]),
        {
            "/abuse_categories": "Given your answer to type of report, select type of abuse or "
            "neglect only from: Physical abuse, Sexual abuse, Neglect or acts of omission, "
            "Emotional abuse, Exploitation (criminal or sexual)"
        },
        id="child referral with an adult category",
    ),
    pytest.param(
        safety_event(occurred_at="2099-06-01T12:00:00Z"),
        {"/occurred_at": "When it happened must not be in the future"},
        id="occurrence in the future",
    ),
    pytest.param(
        safety_event(harm_physical="catastrophic", harm_psychological=2),
        {
            "/harm_physical": "Physical harm must be one of: No harm (LFPSE 5), Low harm "
            "(LFPSE 4), Moderate harm (LFPSE 3), Severe harm (LFPSE 2), Fatal (LFPSE 1)",
            "/harm_psychological": "Psychological harm must be text",
        },
        id="harm codes outside LFPSE",
    ),
    pytest.param(
        safety_event(actions=[{"action": "Recall the patient", "due_date": "2026-12-20"}]),
        {"/actions/0/owner": "Action 1: enter who will do it"},
        id="action without an owner",
    ),
    pytest.param(
        adult_referral(consent_given=False),
        {"/consent_reason": REASON, "/lawful_basis": BASIS},
        id="no consent and no lawful basis",
    ),
]


@pytest.mark.parametrize(("data", "expected"), BAD_INPUT)
def test_the_api_refuses_bad_input_at_its_pointer(
    client, db_session, heads, incident_app, data, expected
) -> None:
    body = {"org": "A00001", "data": data, "submit": True}
    response = client.post(RECORDS, json=body, headers=heads["practice_staff"])
    assert response.status_code == 422
    assert errors(response) == expected
    assert record_count(db_session) == 0 and items_of(db_session) == []


def test_the_consent_gate_holds_through_the_api(
    client, db_session, heads, act, incident_app
) -> None:
    staff, lead = heads["practice_staff"], heads["practice_manager"]
    gated = without(
        adult_referral(consent_given=False, consent_reason="Asking puts her at risk"),
        "lawful_basis",
    )
    refused = client.post(
        RECORDS, json={"org": "A00001", "data": gated, "submit": True}, headers=staff
    )
    assert refused.status_code == 422 and errors(refused) == {"/lawful_basis": BASIS}
    assert record_count(db_session) == 0

    # Kept as a draft, it can be neither submitted nor sent.
    draft = client.post(RECORDS, json={"org": "A00001", "data": gated}, headers=staff)
    assert draft.status_code == 201, draft.get_json()
    record = db_session.get(Record, draft.get_json()["id"])
    assert errors(act(staff, record, "submit")) == {"/lawful_basis": BASIS}
    assert act(lead, record, "send").status_code == 409  # a draft is not sent
    db_session.expire_all()
    assert db_session.get(Record, record.id).status == "draft"
    assert items_of(db_session) == []

    # With a lawful basis it goes through review, then to the LA.
    fixed = {**gated, "lawful_basis": "protect_from_harm"}
    patched = client.patch(
        f"/api/v1/records/{record.id}",
        json={"data": fixed, "submit": True},
        headers={**staff, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["status"] == "submitted" and items_of(db_session) == []
    assert act(lead, record, "send").status_code == 200
    assert [i.stakeholder.ods for i in items_of(db_session)] == ["LAADULT"]


def referral_form(**changes: str | list[str]) -> dict[str, Any]:
    """The new-record form of an adult referral, as the browser posts it."""
    form: dict[str, Any] = {
        "org": "A00001",
        "kind": "adult_safeguarding",
        "immediate_risk": "false",
        "person-name": "Ada Example",
        "concern": "Unexplained bruising on both arms.",
        "abuse_categories": ["physical", "neglect"],
        "care_support_needs": "true",
        "experiencing_abuse": "true",
        "unable_to_protect": "true",
        "adult_views": "Wants to stay at home.",
        "capacity_doubt": "false",
        "others_at_risk": "false",
        "consent_given": "false",
        "submit": "1",
    }
    return {**form, **changes}


def summary(html: str) -> list[tuple[str, str]]:
    """(link, message) of each entry of the page's error summary."""
    box = html[html.index("nhsuk-error-summary") :]
    box = box[: box.index("</ul>")]
    return re.findall(r'<a href="#([^"]+)"\s*>\s*([^<]+?)\s*</a>', box)


def test_the_consent_gate_holds_through_the_form(client, db_session, login, users, incident_app):
    login(users["practice_staff"])
    refused = client.post("/apps/incident_reporting/new", data=referral_form())
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert summary(html) == [("consent_reason", REASON), ("lawful_basis", BASIS)]
    assert "Ada Example" in html  # the answers are kept
    assert record_count(db_session) == 0

    accepted = client.post(
        "/apps/incident_reporting/new",
        data=referral_form(
            consent_reason="She would be at risk if asked.", lawful_basis="protect_from_harm"
        ),
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:2000]
    record = db_session.scalars(select(Record)).one()
    assert record.status == "submitted"
    assert record.data["lawful_basis"] == "protect_from_harm"
    assert items_of(db_session) == []  # the practice lead sends it, not the reporter


def test_the_la_cannot_decide_without_an_outcome_on_the_page(
    client, db_session, report, act, heads, login, stakeholder_users
) -> None:
    record = report(adult_referral())
    act(heads["practice_manager"], record, "send")
    login(stakeholder_users["LAADULT"])
    url = f"/apps/incident_reporting/records/{record.id}/transition"
    refused = client.post(url, data={"action": "decide", "la_reasons": "Seen"})
    assert refused.status_code == 400
    assert ("la_outcome", "Fill in &#39;Decision on the referral&#39; to record the decision") in (
        summary(refused.get_data(as_text=True))
    )
    decided = client.post(
        url, data={"action": "decide", "la_outcome": "no_further_action", "la_reasons": "Seen"}
    )
    assert decided.status_code == 302
    db_session.expire_all()
    stored = db_session.get(Record, record.id)
    assert stored.status == "decided" and stored.data["la_outcome"] == "no_further_action"
