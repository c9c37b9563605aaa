"""Issue 14: ``follow_ups`` turns the failed items of a submitted record into actions
(owner, due date), once per item; they are closed with a note by someone who may write
at their organisation, in the record's history; the record page and the app's Actions
page list them; the compliance view counts overdue ones and audits not done as gaps."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import AuditEntry, FollowUp, Record
from miniapps.services.follow_ups.actions import (
    FollowUpDone,
    FollowUpNotFound,
    close_follow_up,
    visible_follow_up,
)
from miniapps.services.follow_ups.compliance import AuditActions
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle
from sqlalchemy import select

from tests.compliance_evidence import load_saf
from tests.publishing import publish_app

TODAY = date.today()
NOT_MET = {"required": ["result"], "properties": {"result": {"const": "not_met"}}}
AUDIT: dict[str, Any] = {
    "id": "spot_audit",
    "title": "Spot audit",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "title": "Checklist",
                "items": {
                    "type": "object",
                    "required": ["area", "result"],
                    "properties": {
                        "area": {
                            "type": "string",
                            "title": "Area",
                            "oneOf": [
                                {"const": "hands", "title": "Hand hygiene"},
                                {"const": "waste", "title": "Clinical waste"},
                            ],
                        },
                        "result": {"type": "string", "enum": ["met", "not_met"]},
                        "action": {"type": "string", "title": "Action"},
                        "owner": {"type": "string", "title": "Owner"},
                        "due": {"type": "string", "format": "date", "title": "Due"},
                    },
                },
            }
        },
    },
    "follow_ups": {
        "items": "/items",
        "where": NOT_MET,
        "title": "/action",
        "owner": "/owner",
        "due": "/due",
    },
    "evidence": [
        {
            "framework": "cqc-saf",
            "statements": ["infection_prevention_and_control"],
            "category": "processes",
        }
    ],
}
DUE = (TODAY - timedelta(days=3)).isoformat()
LATER = (TODAY + timedelta(days=20)).isoformat()
ITEMS = [
    {"area": "hands", "result": "met"},
    {"area": "waste", "result": "not_met", "action": "Empty the bins daily",
     "owner": "staff@example.nhs.uk", "due": DUE},
    {"area": "hands", "result": "not_met"},
]  # fmt: skip


@pytest.fixture
def audit_app(db_session, orgs):
    load_saf(db_session)
    return publish_app(db_session, AUDIT, [orgs["QWE"]])


def audit(db_session, users, orgs, app, items=ITEMS, submit=True, ods="A00001") -> Record:
    user = users["practice_manager"]
    record = lifecycle.create_record(
        db_session, Access(user), app, orgs[ods], {"items": items}, submit=submit, actor=user
    )
    db_session.commit()
    return record


def actions(db_session, record: Record) -> list[FollowUp]:
    query = select(FollowUp).where(FollowUp.record_id == record.id).order_by(FollowUp.item_index)
    return list(db_session.scalars(query))


def shape(found: list[FollowUp]) -> list[tuple[Any, ...]]:
    return [(a.item_index, a.title, a.owner, a.due, a.status) for a in found]


def test_failed_items_become_actions_when_the_record_is_submitted(
    db_session, users, orgs, audit_app
):
    draft = audit(db_session, users, orgs, audit_app, submit=False)
    assert actions(db_session, draft) == []  # a draft asks for nothing yet
    manager = users["practice_manager"]
    lifecycle.update_record(
        db_session,
        Access(manager),
        draft,
        draft.data,
        expected_version=draft.version,
        actor=manager,
        submit=True,
    )
    found = actions(db_session, draft)
    assert shape(found) == [
        (1, "Empty the bins daily", "staff@example.nhs.uk", date.fromisoformat(DUE), "open"),
        (2, "Item 3", None, None, "open"),
    ]
    assert {a.organisation_id for a in found} == {orgs["A00001"].id}
    assert {a.app_id for a in found} == {"spot_audit"}


def test_submitting_again_adds_new_failures_and_updates_open_actions_only(
    db_session, users, orgs, audit_app
):
    record = audit(db_session, users, orgs, audit_app)
    first, second = actions(db_session, record)
    close_follow_up(db_session, Access(users["practice_manager"]), second, "Done", None)
    pm, pcn = users["practice_manager"], users["pcn_manager"]
    lifecycle.apply_transition(
        db_session, Access(pcn), record, "return", comment="Add one", actor=pcn
    )
    changed = copy.deepcopy(ITEMS)
    changed[1]["owner"] = "pm@example.nhs.uk"
    changed[2]["action"] = "New text for a done action"
    changed.append({"area": "waste", "result": "not_met", "action": "Order bags", "due": LATER})
    lifecycle.update_record(
        db_session, Access(pm), record, {"items": changed}, expected_version=record.version,
        actor=pm, submit=True,
    )  # fmt: skip
    db_session.commit()
    assert shape(actions(db_session, record)) == [
        (1, "Empty the bins daily", "pm@example.nhs.uk", date.fromisoformat(DUE), "open"),
        (2, "Item 3", None, None, "done"),
        (3, "Order bags", None, date.fromisoformat(LATER), "open"),
    ]
    assert first.id == actions(db_session, record)[0].id


def test_an_action_belongs_to_the_record_subject_when_it_has_one(
    db_session, users, orgs, audit_app
):
    draft = audit(db_session, users, orgs, audit_app, submit=False)
    draft.subject_id = orgs["A00002"].id  # a peer review of Hill Surgery
    pm = users["practice_manager"]
    lifecycle.apply_transition(db_session, Access(pm), draft, "submit", comment=None, actor=pm)
    assert {a.organisation_id for a in actions(db_session, draft)} == {orgs["A00002"].id}


def test_closing_needs_write_access_and_a_note_and_is_audited(db_session, users, orgs, audit_app):
    record = audit(db_session, users, orgs, audit_app)
    action = actions(db_session, record)[0]
    with pytest.raises(FollowUpNotFound):  # another PCN's manager does not even see it
        visible_follow_up(db_session, Access(users["practice_manager_2"]), action.id)
    viewer = Access(users["icb_viewer"])
    assert visible_follow_up(db_session, viewer, action.id) is action
    with pytest.raises(Forbidden):
        close_follow_up(db_session, viewer, action, "Looked at it", users["icb_viewer"])
    staff = users["practice_staff"]
    with pytest.raises(DataInvalid) as caught:
        close_follow_up(db_session, Access(staff), action, "   ", staff)
    assert [i.pointer for i in caught.value.issues] == ["/note"]
    assert action.status == "open"
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    close_follow_up(db_session, Access(staff), action, "Bins emptied; rota agreed", staff, at)
    db_session.commit()
    db_session.refresh(action)
    assert (action.status, action.note, action.done_by_id) == (
        "done",
        "Bins emptied; rota agreed",
        staff.id,
    )
    assert action.done_at is not None and action.done_at.replace(tzinfo=UTC) == at
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and (entry.action, entry.actor_id) == ("action_done", staff.id)
    assert entry.changes == [
        {"pointer": "/items/1/action", "old": "open", "new": "done"},
        {"pointer": "/items/1/action_note", "old": None, "new": "Bins emptied; rota agreed"},
    ]
    with pytest.raises(FollowUpDone):  # 409: done already
        close_follow_up(db_session, Access(staff), action, "Again", staff)


def test_the_record_page_lists_the_actions_and_closes_one_with_a_note(
    client, db_session, users, orgs, audit_app, login
):
    record = audit(db_session, users, orgs, audit_app)
    action = actions(db_session, record)[0]
    login(users["practice_staff"])
    page = client.get(f"/apps/spot_audit/records/{record.id}").get_data(as_text=True)
    assert 'id="follow-ups"' in page and "Empty the bins daily" in page
    assert "Overdue" in page and "Mark as done" in page and "Item 3" in page
    url = f"/apps/spot_audit/actions/{action.id}/done"
    refused = client.post(url, data={"note": "", "back": "record"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html and "Enter what was done" in html
    db_session.expire_all()
    assert db_session.get(FollowUp, action.id).status == "open"
    done = client.post(url, data={"note": "Emptied", "back": "record"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/records/{record.id}#follow-ups")
    db_session.expire_all()
    assert db_session.get(FollowUp, action.id).status == "done"
    history = client.get(f"/apps/spot_audit/records/{record.id}").get_data(as_text=True)
    assert "Action done" in history and "Emptied" in history


def test_the_actions_page_filters_and_hides_what_the_user_may_not_see(
    client, db_session, users, orgs, audit_app, login
):
    record = audit(db_session, users, orgs, audit_app)
    other = audit(db_session, users, orgs, audit_app, items=ITEMS[1:2])
    fixed = actions(db_session, other)[0]
    close_follow_up(db_session, Access(users["practice_manager"]), fixed, "Fixed", None)
    db_session.commit()
    login(users["icb_viewer"])
    page = client.get("/apps/spot_audit/actions").get_data(as_text=True)
    assert "2 actions open." in page and "Mark as done" not in page  # reads, may not write
    assert f'href="/apps/spot_audit/records/{record.id}#follow-ups"' in page
    overdue = client.get("/apps/spot_audit/actions?status=overdue").get_data(as_text=True)
    assert "1 action overdue." in overdue and "Empty the bins daily" in overdue
    done = client.get("/apps/spot_audit/actions?status=done").get_data(as_text=True)
    assert "1 action done." in done and "Fixed" in done
    none_here = client.get("/apps/spot_audit/actions?org=A00003").get_data(as_text=True)
    assert "0 actions open." in none_here
    client.post("/auth/logout")
    login(users["practice_manager_2"])
    elsewhere = client.get("/apps/spot_audit/actions").get_data(as_text=True)
    assert "0 actions open." in elsewhere and "Empty the bins" not in elsewhere
    action = actions(db_session, record)[0]
    response = client.post(f"/apps/spot_audit/actions/{action.id}/done", data={"note": "x"})
    assert response.status_code == 404


def test_the_actions_tab_shows_only_for_an_app_with_follow_ups(
    client, db_session, users, orgs, audit_app, fridge_app, login
):
    login(users["practice_manager"])
    nav = client.get("/apps/spot_audit/").get_data(as_text=True)
    assert 'href="/apps/spot_audit/actions"' in nav
    assert client.get("/apps/fridge_log/actions").status_code == 404


def test_overdue_actions_and_audits_not_done_are_compliance_gaps(
    db_session, users, orgs, audit_app
):
    audit(db_session, users, orgs, audit_app)
    periodic = {**copy.deepcopy(AUDIT), "id": "monthly_audit", "title": "Monthly audit"}
    periodic["period"] = {"frequency": "monthly", "due_day": 5}
    since = TODAY.replace(day=1) - timedelta(days=70)
    publish_app(db_session, periodic, [orgs["QWE"]], since=since)
    now = datetime.now(UTC)
    gaps = AuditActions().gaps(db_session, [orgs["A00001"], orgs["A00002"]], "cqc-saf", now)
    found = {(g.org_id, g.kind): g for g in gaps}
    open_gap = found[(orgs["A00001"].id, "actions_open")]
    assert open_gap.statements == ("infection_prevention_and_control",)
    assert open_gap.text.startswith("Spot audit: 1 overdue action, the oldest due ")
    assert open_gap.link == "/apps/spot_audit/actions?org=A00001&status=overdue"
    assert (orgs["A00002"].id, "actions_open") not in found
    not_done = found[(orgs["A00002"].id, "audit_not_done")]
    assert not_done.text.startswith("Monthly audit: not done for ")
    assert not_done.source == "audits" and not_done.link == "/apps/monthly_audit/returns?org=A00002"
    assert list(AuditActions().evidence(db_session, [orgs["A00001"]], "cqc-saf", now, now)) == []


def test_the_pack_lists_the_organisations_actions(db_session, users, orgs, audit_app):
    record = audit(db_session, users, orgs, audit_app)
    since = datetime.now(UTC) - timedelta(days=365)
    [table] = AuditActions().pack_tables(db_session, orgs["A00001"], since, datetime.now(UTC))
    assert table.name == "actions" and table.columns[:4] == ["App", "Record", "Item", "Action"]
    assert table.rows[0][:8] == [
        "Spot audit",
        record.id,
        2,
        "Empty the bins daily",
        "staff@example.nhs.uk",
        DUE,
        "open",
        "",
    ]
    assert AuditActions().pack_tables(db_session, orgs["A00003"], since, datetime.now(UTC)) == []
