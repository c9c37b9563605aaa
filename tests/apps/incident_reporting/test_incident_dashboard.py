"""The app's dashboard for practices and PCNs: events by type and harm by London month
(patient safety events only), open actions (items of the repeating section not ticked
done), and days from report to close."""

from __future__ import annotations

from typing import Any

from miniapps.core.channels.figures import london_month

from tests.apps.incident_reporting.incident_data import adult_referral, safety_event

ACTIONS = [
    {"action": "Add a check to the protocol", "owner": "Lead nurse", "due_date": "2026-12-20"},
    {"action": "Tell the team", "owner": "Manager", "due_date": "2026-12-10", "done": True},
    {
        "action": "Audit in three months",
        "owner": "Lead GP",
        "due_date": "2027-03-01",
        "done": False,
    },
]


def dashboard(client, auth: dict[str, str], org: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/apps/incident_reporting/dashboard?org={org}", headers=auth)
    assert response.status_code == 200, response.get_json()
    return {w["id"]: w["data"] for w in response.get_json()["widgets"]}


def test_the_dashboard_counts_events_actions_and_time_to_close(
    client, db_session, report, heads, act
) -> None:
    lead = heads["practice_manager"]
    severe = report(safety_event(harm_physical="severe"))
    low = report(safety_event(event_type="outcome"))
    report(safety_event(event_type="risk", harm_physical=None, harm_psychological=None))
    report(safety_event(), submit=False)  # a draft counts nowhere
    referral = report(adult_referral())
    act(lead, referral, "send")

    # The severe event gets its learning response and three actions, two still open.
    act(lead, severe, "triage")
    act(lead, severe, "plan", data={"learning_response": "mdt_review"})
    current = client.get(f"/api/v1/records/{severe.id}", headers=lead).get_json()
    data = {**current["data"], "learning_summary": "Check the dose.", "actions": ACTIONS}
    headers = {**lead, "If-Match": f'"{current["version"]}"'}
    saved = client.patch(f"/api/v1/records/{severe.id}", json={"data": data}, headers=headers)
    assert saved.status_code == 200
    # The low-harm outcome is closed (no actions were needed: none are open).
    act(lead, low, "triage")
    act(lead, low, "plan", data={"learning_response": "swarm_huddle"})

    got = dashboard(client, heads["pcn_manager"], "U00001")
    assert got["events"]["value"] == 3  # not the referral, not the draft
    assert got["referrals"]["value"] == 1
    assert got["open_actions"]["value"] == 2  # not ticked done, or ticked not done
    month = london_month(severe.submitted_at)
    by_type = got["events_by_type"]
    assert by_type["keys"][-1] == month
    totals = {d["label"]: d["values"][-1] for d in by_type["datasets"]}
    assert totals["Incident: something went wrong"] == 1
    assert totals["Outcome: harm or a poor outcome, cause not yet known"] == 1
    assert totals["Risk: something could have gone wrong, or might"] == 1
    harm = {d["label"]: d["values"][-1] for d in got["physical_harm_by_month"]["datasets"]}
    assert harm["Severe harm (LFPSE 2)"] == 1 and harm["Low harm (LFPSE 4)"] == 1
    assert got["time_to_close"]["count"] == 0  # nothing closed yet
    assert got["time_to_decision"]["open"]["count"] == 1  # the referral awaits the LA
