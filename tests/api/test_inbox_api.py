"""GET /api/v1/inbox: a stakeholder's items, a provider's sent items, filters and paging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from miniapps.models import AuditEntry, ChannelItem, Record
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition
from miniapps.web.api.openapi_spec import openapi_document
from sqlalchemy import select

INBOX = "/api/v1/inbox"
ITEM_KEYS = {
    "record",
    "channel",
    "stakeholder",
    "sent_at",
    "acknowledge_by",
    "decide_by",
    "acknowledged_at",
    "decided_at",
    "closed_at",
    "breached",
}


def inbox(client, auth: dict[str, str], **params: Any):
    return client.get(INBOX, query_string=params, headers=auth)


def record_ids(body: dict[str, Any]) -> list[int]:
    return [item["record"]["id"] for item in body["items"]]


@pytest.fixture
def sent(send_concern, users) -> dict[str, Record]:
    """Concerns of every kind from A00001, one adult concern from A00003 (another PCN)."""
    return {
        "adult": send_concern("adult"),
        "child": send_concern("child"),
        "quality": send_concern("quality"),
        "other_pcn": send_concern("adult", ods="A00003", actor=users["practice_manager_2"]),
    }


def test_shape_of_a_stakeholders_inbox(client, token, stakeholder_users, sent):
    response = inbox(client, token(stakeholder_users["LAADULT"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) >= {"items", "total", "page"}
    assert body["total"] == 2 and body["page"] == 1
    # the most recently sent first
    assert record_ids(body) == [sent["other_pcn"].id, sent["adult"].id]
    item = body["items"][1]
    assert set(item) == ITEM_KEYS
    assert (item["channel"], item["stakeholder"], item["breached"]) == (
        "adult_safeguarding",
        "LAADULT",
        False,
    )
    for key in ("sent_at", "acknowledge_by", "decide_by"):
        assert item[key].endswith("Z"), key
        datetime.fromisoformat(item[key].replace("Z", "+00:00"))
    assert item["acknowledged_at"] is item["decided_at"] is item["closed_at"] is None
    record = item["record"]
    assert (record["id"], record["org"], record["status"]) == (sent["adult"].id, "A00001", "sent")
    assert [c["stakeholder"] for c in record["channels"]] == ["LAADULT"]
    assert [a["action"] for a in record["actions"]] == ["acknowledge", "request_info", "decide"]
    document = openapi_document()
    schema = {**document, "$ref": "#/components/schemas/Inbox"}
    assert not [e.message for e in Draft202012Validator(schema).iter_errors(body)]


@pytest.mark.parametrize(
    ("ods", "expected"),
    [("LAKIDS", ["child"]), ("ICBQ", ["quality"]), ("LAOTHER", [])],
)
def test_a_stakeholder_gets_only_its_own_items(
    client, token, stakeholder_users, sent, ods, expected
):
    body = inbox(client, token(stakeholder_users[ods])).get_json()
    assert record_ids(body) == [sent[kind].id for kind in expected]
    assert {item["stakeholder"] for item in body["items"]} <= {ods}
    assert body["total"] == len(expected)


def test_a_stakeholder_without_an_area_gets_nothing(client, token, users, sent):
    body = inbox(client, token(users["stakeholder"])).get_json()  # LA001
    assert body["items"] == [] and body["total"] == 0


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("practice_manager", ["quality", "child", "adult"]),
        ("practice_staff", ["quality", "child", "adult"]),
        ("pcn_manager", ["quality", "child", "adult"]),
        ("practice_manager_2", ["other_pcn"]),
        ("platform_admin", ["other_pcn", "quality", "child", "adult"]),
    ],
)
def test_a_provider_gets_the_items_of_records_it_may_read(
    client, token, users, sent, user, expected
):
    body = inbox(client, token(users[user])).get_json()
    assert record_ids(body) == [sent[kind].id for kind in expected]


def test_filters(client, token, users, stakeholder_users, sent, db_session):
    admin = token(users["platform_admin"])
    by_channel = inbox(client, admin, channel="child_safeguarding").get_json()
    assert record_ids(by_channel) == [sent["child"].id]
    assert record_ids(inbox(client, admin, org="A00003").get_json()) == [sent["other_pcn"].id]
    assert len(inbox(client, admin, org="U00001").get_json()["items"]) == 3  # the PCN beneath
    assert inbox(client, admin, org="a00003").get_json()["total"] == 1  # case-insensitive
    officer = stakeholder_users["LAADULT"]
    apply_transition(
        db_session, Access(officer), sent["adult"], "acknowledge", comment=None, actor=officer
    )
    item = db_session.scalars(
        select(ChannelItem).where(ChannelItem.record_id == sent["quality"].id)
    ).one()
    item.breached = True
    db_session.commit()
    assert record_ids(inbox(client, admin, status="acknowledged").get_json()) == [sent["adult"].id]
    assert record_ids(inbox(client, admin, breached="true").get_json()) == [sent["quality"].id]
    not_breached = inbox(client, admin, breached="false").get_json()
    assert sent["quality"].id not in record_ids(not_breached) and not_breached["total"] == 3
    both = inbox(client, admin, channel="adult_safeguarding", org="A00001").get_json()
    assert record_ids(both) == [sent["adult"].id]


def test_bad_parameters_are_refused_naming_them(client, token, users, sent):
    admin = token(users["platform_admin"])
    bad = inbox(client, admin, breached="maybe")
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "bad_request" and "breached" in bad.get_json()["message"]
    unknown = inbox(client, admin, stakeholder="LAADULT")
    assert unknown.status_code == 400 and "stakeholder" in unknown.get_json()["message"]
    assert inbox(client, admin, page="0").status_code == 400
    missing = inbox(client, admin, org="NOPE1")
    assert missing.status_code == 404 and missing.get_json()["error"] == "unknown_organisation"
    assert client.get(INBOX).status_code == 401


def test_paging(client, token, users, send_concern, app, monkeypatch):
    made = [send_concern("adult") for _ in range(5)]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    officer = token(users["platform_admin"])
    pages = [inbox(client, officer, page=n).get_json() for n in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [5] * 4
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    seen = [rid for p in pages for rid in record_ids(p)]
    assert seen == [r.id for r in reversed(made)]


def test_each_channel_record_returned_is_audited_as_read(
    client, token, stakeholder_users, sent, db_session
):
    officer = stakeholder_users["LAADULT"]
    inbox(client, token(officer))
    reads = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).all()
    assert sorted(e.record_id for e in reads) == sorted([sent["adult"].id, sent["other_pcn"].id])
    assert {(e.actor_id, e.changes[0]["via"], e.changes[0]["org"]) for e in reads} == {
        (officer.id, "api", "LAADULT")
    }


def test_an_empty_inbox_writes_nothing(client, token, users, db_session, sent):
    inbox(client, token(users["stakeholder"]))
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).all() == []
