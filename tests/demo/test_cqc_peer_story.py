"""The peer review, risk register and significant events demo story: made through the
real services at the home PCN's staffed practices, spread over the heatmap, a completed
peer review between two practices of the PCN, and a significant event linked to an
incident when the practice has one; loading again adds nothing."""

from __future__ import annotations

from datetime import date

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_peer import load_peer
from miniapps.demo.cqc_peer_data import RISK_STORY
from miniapps.models import Record, User
from miniapps.services import users as user_service
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.permissions import Access
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.cqc_peer_apps import FOLLOW_UP, publish_cqc
from tests.publishing import publish_app


def test_the_story_is_told_once(db_session, orgs, users, fridge_app) -> None:
    hill = user_service.create_user(
        db_session, "hill@example.nhs.uk", "Hill Manager", PASSWORD, "practice_manager",
        orgs["A00002"],
    )  # fmt: skip
    apps = {
        app_id: publish_cqc(db_session, app_id, [orgs["QWE"]])
        for app_id in ("cqc_risk_register", "cqc_peer_review", "cqc_significant_events")
    }
    people = CqcPeople(
        admin=users["platform_admin"],
        pcn=orgs["U00001"],
        pcn_manager=users["pcn_manager"],
        practices=[orgs["A00001"], orgs["A00002"]],
        managers={"A00001": users["practice_manager"], "A00002": hill},
        staff={"A00001": [users["practice_staff"]], "A00002": []},
        apps=apps,
    )
    today = date.today()
    created = load_peer(db_session, people, today)
    db_session.commit()
    # No incident app here: the event that follows an incident is left out.
    assert created == {
        "cqc_risk_register": 12 + 8,
        "cqc_peer_review": 2,
        "cqc_significant_events": 2 + 2,
    }

    risks = _records(db_session, "cqc_risk_register")
    assert {r.status for r in risks} == {"open", "closed"}
    scores = {r.data["likelihood"] * r.data["impact"] for r in risks if r.status == "open"}
    assert min(scores) <= 3 and max(scores) >= 15  # low to extreme
    assert len(RISK_STORY) == 12

    reviews = _records(db_session, "cqc_peer_review")
    done = next(r for r in reviews if r.organisation_id == orgs["A00001"].id)
    assert done.status == "closed" and done.subject_id == orgs["A00002"].id
    assert "expired drugs were replaced" in done.data["response"]
    assert any(item["result"] == "not_met" for item in done.data["checklist"])
    waiting = next(r for r in reviews if r.organisation_id == orgs["A00002"].id)
    assert waiting.status == "submitted" and waiting.subject_id == orgs["A00001"].id

    dashboard = app_dashboard(
        db_session, Access(users["pcn_manager"]), apps["cqc_risk_register"], orgs["U00001"]
    )
    heatmap = next(w for w in dashboard["widgets"] if w["type"] == "heatmap")
    assert heatmap["data"]["total"] == sum(1 for r in risks if r.status == "open")

    assert load_peer(db_session, people, today) == {}


def test_a_significant_event_links_the_practices_newest_incident(
    db_session, orgs, users, fridge_app
) -> None:
    """The incident app stood in for by a small app of the same id."""
    incident = publish_app(
        db_session, {**FOLLOW_UP, "id": "incident_reporting", "title": "Incident reporting"},
        [orgs["QWE"]],
    )  # fmt: skip
    pm: User = users["practice_manager"]
    reported = Record(
        app_id="incident_reporting", app_version=1, organisation=orgs["A00001"],
        data={"kind": "patient_safety", "note": "x"}, status="submitted",
    )  # fmt: skip
    db_session.add(reported)
    db_session.commit()
    events = publish_cqc(db_session, "cqc_significant_events", [orgs["QWE"]])
    people = CqcPeople(
        admin=users["platform_admin"], pcn=orgs["U00001"], pcn_manager=users["pcn_manager"],
        practices=[orgs["A00001"]], managers={"A00001": pm}, staff={"A00001": []},
        apps={"cqc_significant_events": events, "incident_reporting": incident},
    )  # fmt: skip
    assert load_peer(db_session, people, date.today()) == {"cqc_significant_events": 3}
    linked = [r for r in _records(db_session, "cqc_significant_events") if "incident" in r.data]
    assert [r.data["incident"] for r in linked] == [reported.id]


def _records(db_session, app_id: str) -> list[Record]:
    return list(db_session.scalars(select(Record).where(Record.app_id == app_id)))
