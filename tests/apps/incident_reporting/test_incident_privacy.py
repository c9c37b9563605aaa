"""Who sees what of the incident app: records (events and referrals) are read by the
practice's own staff and manager only (and by the LA team holding a referral as a
channel item); the PCN manager and the ICB see the dashboard's figures
(``permissions.dashboard``) and the PCN manager the anonymised learning view, never a
record, a list of records or an export."""

from __future__ import annotations

from typing import Any

from tests.apps.incident_reporting.incident_data import adult_referral, safety_event
from tests.apps.incident_reporting.test_incident_safety_events import close_event

APP = "/apps/incident_reporting"
API = "/api/v1/apps/incident_reporting"


def test_the_pcn_manager_cannot_open_a_referral(client, users, login, report, heads, act):
    referral = report(adult_referral())
    event = report(safety_event())
    pcn = heads["pcn_manager"]
    assert act(pcn, referral, "send").status_code == 404  # not even told it exists
    assert act(heads["practice_manager"], referral, "send").status_code == 200
    assert act(pcn, event, "triage").status_code == 404
    for record in (referral, event):
        got = client.get(f"/api/v1/records/{record.id}", headers=pcn)
        assert got.status_code == 404
        assert "Ada Example" not in got.get_data(as_text=True)
    assert client.get(f"{API}/records", headers=pcn).status_code == 404
    # The practice and the LA team holding it still read it.
    for reader in ("practice_staff", "practice_manager", "LAADULT"):
        got = client.get(f"/api/v1/records/{referral.id}", headers=heads[reader])
        assert got.status_code == 200, reader
    login(users["pcn_manager"])
    for path in (f"{APP}/records/{referral.id}", f"{APP}/", f"{APP}/export?format=json"):
        assert client.get(path).status_code == 404, path


def test_the_pcn_manager_and_the_icb_see_the_dashboard(client, users, login, report, heads, act):
    report(adult_referral())
    report(safety_event(harm_physical="severe"))
    report(safety_event(), ods="A00003", actor=users["practice_manager_2"])  # another PCN

    def figures(who: str, org: str) -> dict[str, Any]:
        response = client.get(f"{API}/dashboard?org={org}", headers=heads[who])
        assert response.status_code == 200, (who, response.get_json())
        return {w["id"]: w["data"] for w in response.get_json()["widgets"]}

    pcn: dict[str, Any] = figures("pcn_manager", "U00001")
    assert pcn["records"] == {"total": 2, "by_org": {"A00001": 2}}
    assert pcn["referrals"]["value"] == 1 and pcn["events"]["value"] == 1
    assert (
        client.get(f"{API}/dashboard?org=U00002", headers=heads["pcn_manager"]).status_code == 403
    )
    assert figures("icb_viewer", "QWE")["records"]["total"] == 3
    login(users["pcn_manager"])
    page = client.get(f"{APP}/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "North PCN" in html
    assert f'href="{APP}/"' not in html and f'href="{APP}/views/learning"' in html


def test_the_pcn_manager_opens_the_learning_view(client, users, login, report, heads, act):
    closed = report(safety_event(occurred_at="2026-10-14T08:00:00Z"))
    close_event(client, act, heads, closed, shared=True)
    view = client.get(f"{API}/views/learning", headers=heads["pcn_manager"])
    assert view.status_code == 200
    assert view.get_json()["total"] == 1
    login(users["pcn_manager"])
    page = client.get(f"{APP}/views/learning").get_data(as_text=True)
    assert "October 2026" in page and "Check the schedule before a second dose." in page
    # Nobody else at the PCN level: the ICB viewer holds no role of the view.
    assert client.get(f"{API}/views/learning", headers=heads["icb_viewer"]).status_code == 404
