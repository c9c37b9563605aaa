"""Patient safety events on a real database: moderate harm or worse reaches the ICB
quality team's inbox when submitted (low harm does not), and an event goes through
triage, a learning response, actions and sign-off to closed, with an outcome required
to close; the PCN manager's learning view shows closed events anonymised."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import Record

from tests.apps.incident_reporting.incident_data import items_of, safety_event

ACTION = {"action": "Check the vaccine schedule before each dose", "owner": "Lead nurse"}


def patch(client, auth: dict[str, str], record: Record, data: dict[str, Any]):
    version = client.get(f"/api/v1/records/{record.id}", headers=auth).get_json()["version"]
    headers = {**auth, "If-Match": f'"{version}"'}
    return client.patch(f"/api/v1/records/{record.id}", json={"data": data}, headers=headers)


def errors(response) -> dict[str, str]:
    return {e["pointer"]: e["message"] for e in response.get_json()["errors"]}


@pytest.mark.parametrize(
    ("physical", "psychological", "reaches_icb"),
    [
        ("fatal", "none", True),
        ("severe", "none", True),
        ("moderate", "low", True),
        ("low", "moderate", True),
        ("none", "severe", True),
        ("low", "low", False),
        ("none", "none", False),
    ],
)
def test_moderate_harm_or_worse_reaches_the_icb_quality_team(
    db_session, report, physical, psychological, reaches_icb
) -> None:
    record = report(safety_event(harm_physical=physical, harm_psychological=psychological))
    sent = [(i.channel, i.stakeholder.ods) for i in items_of(db_session, record)]
    assert sent == ([("icb_quality", "ICBQ")] if reaches_icb else [])


def test_a_severe_incident_is_in_the_icb_inbox_and_a_low_harm_one_is_not(
    client, db_session, report, heads
) -> None:
    severe = report(safety_event(harm_physical="severe"))
    low = report(safety_event(harm_physical="low"))
    draft = report(safety_event(harm_physical="fatal"), submit=False)  # not submitted yet
    inbox = client.get("/api/v1/inbox", headers=heads["ICBQ"]).get_json()
    assert [row["record"]["id"] for row in inbox["items"]] == [severe.id]
    assert inbox["items"][0]["channel"] == "icb_quality"
    assert client.get(f"/api/v1/records/{severe.id}", headers=heads["ICBQ"]).status_code == 200
    for other in (low, draft):
        assert client.get(f"/api/v1/records/{other.id}", headers=heads["ICBQ"]).status_code == 404
    # Nobody else receives patient safety events: the LA teams' inboxes stay empty.
    for team in ("LAADULT", "LAKIDS"):
        assert client.get("/api/v1/inbox", headers=heads[team]).get_json()["items"] == []
    assert client.get(f"/api/v1/records/{severe.id}", headers=heads["LAADULT"]).status_code == 404


def test_a_risk_has_no_harm_and_goes_to_nobody(db_session, report) -> None:
    risk = report(safety_event(event_type="risk", harm_physical=None, harm_psychological=None))
    assert "harm_physical" not in risk.data  # not asked about a risk
    assert items_of(db_session, risk) == []


def close_event(client, act, heads, record: Record, *, shared: bool) -> None:
    """Take ``record`` (submitted) to closed through every step, by the practice manager."""
    lead = heads["practice_manager"]
    assert act(lead, record, "triage").status_code == 200
    chosen = act(lead, record, "plan", data={"learning_response": "after_action_review"})
    assert chosen.status_code == 200, chosen.get_json()
    learning = {
        "learning_summary": "Check the schedule before a second dose.",
        "share_learning": shared,
    }
    done = [{**ACTION, "due_date": "2026-12-01", "done": True}]
    saved = patch(client, lead, record, {**record.data, **learning, "actions": done})
    assert saved.status_code == 200
    for action in ("agree_actions", "sign_off"):
        assert act(lead, record, action).status_code == 200, action
    closed = act(lead, record, "close", data={"outcome": "Schedule check added to the protocol."})
    assert closed.status_code == 200, closed.get_json()


def test_an_event_goes_from_triage_to_closed_with_an_outcome(
    client, db_session, report, heads, act
) -> None:
    record = report(safety_event(harm_physical="moderate"))
    lead, staff = heads["practice_manager"], heads["practice_staff"]
    assert act(staff, record, "triage").status_code == 403  # the practice lead triages
    assert act(lead, record, "send").status_code == 409  # not a referral
    assert act(lead, record, "triage").get_json()["status"] == "triage"
    no_response = act(lead, record, "plan")
    assert no_response.status_code == 422
    assert errors(no_response) == {
        "/learning_response": "Fill in 'Learning response (PSIRF)' to record the learning response"
    }
    planned = act(lead, record, "plan", data={"learning_response": "swarm_huddle"})
    assert planned.get_json()["status"] == "learning_response"
    assert planned.get_json()["data"]["learning_response"] == "swarm_huddle"

    # Actions need an owner and a due date each, whenever they are saved.
    first = {**record.data, "learning_summary": "Check the schedule.", "share_learning": True}
    refused = patch(client, staff, record, {**first, "actions": [{"action": ACTION["action"]}]})
    assert refused.status_code == 422
    assert errors(refused) == {
        "/actions/0/owner": "Action 1: enter who will do it",
        "/actions/0/due_date": "Action 1: enter when it is due",
    }
    db_session.expire_all()
    assert "actions" not in db_session.get(Record, record.id).data  # nothing stored
    assert errors(act(lead, record, "agree_actions")) == {
        "/learning_summary": "Fill in 'What we learned' to agree the actions",
        "/actions": "Fill in 'Actions agreed' to agree the actions",
    }
    open_action = [{**ACTION, "due_date": "2026-12-20"}]
    assert patch(client, staff, record, {**first, "actions": open_action}).status_code == 200
    assert act(lead, record, "agree_actions").get_json()["status"] == "actions"

    # Sign-off waits until every action is done.
    assert act(lead, record, "sign_off").status_code == 409
    done = [{**open_action[0], "done": True}]
    assert patch(client, staff, record, {**first, "actions": done}).status_code == 200
    assert act(lead, record, "sign_off").get_json()["status"] == "signed_off"

    # Closing needs an outcome, given with the step.
    refused = act(lead, record, "close")
    assert refused.status_code == 422
    assert errors(refused) == {"/outcome": "Fill in 'Outcome' to close"}
    closed = act(lead, record, "close", data={"outcome": "Protocol changed; patient told."})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed"
    assert closed.get_json()["data"]["outcome"] == "Protocol changed; patient told."
    db_session.expire_all()
    (item,) = items_of(db_session, db_session.get(Record, record.id))
    assert item.channel == "icb_quality" and item.closed_at is not None


def test_the_pcn_learning_view_shows_closed_events_anonymised(
    client, db_session, report, heads, act
) -> None:
    shared = report(safety_event(occurred_at="2026-10-14T08:00:00Z"))
    private = report(safety_event(location="reception", harm_physical="none"))
    still_open = report(safety_event())
    close_event(client, act, heads, private, shared=False)
    close_event(client, act, heads, shared, shared=True)
    assert still_open.status == "submitted"

    answer = client.get(
        "/api/v1/apps/incident_reporting/views/learning", headers=heads["pcn_manager"]
    )
    assert answer.status_code == 200, answer.get_json()
    view = answer.get_json()
    assert view["total"] == 2
    pointers = [c["pointer"] for c in view["columns"]]
    assert pointers == [
        "/event_type",
        "/occurred_at",
        "/location",
        "/harm_physical",
        "/harm_psychological",
        "/learning_response",
    ]
    rows = sorted(view["rows"], key=lambda r: r["values"]["/location"])
    locations = [r["values"]["/location"] for r in rows]
    assert locations == ["Reception or waiting area", "Treatment room"]
    assert rows[1]["values"]["/occurred_at"] == "October 2026"  # a month, not a date
    assert rows[1]["shared_text"] == "Check the schedule before a second dose."
    assert rows[0]["shared_text"] is None  # not agreed: not shown
    text = repr(view)
    for private_answer in (
        "A00001",
        "North Surgery",
        "second dose was given",
        "Patient told and observed",
        "Lead nurse",
        "staff@example",
    ):
        assert private_answer not in text
    themes = {t["pointer"]: t for t in view["themes"]}
    by_type = {c["title"]: c["count"] for c in themes["/event_type"]["counts"]}
    assert by_type["Incident: something went wrong"] == 2
    for who in ("practice_staff", "ICBQ"):
        assert (
            client.get(
                "/api/v1/apps/incident_reporting/views/learning", headers=heads[who]
            ).status_code
            == 404
        ), who
