"""Record answers carry "channels" (the items the caller may see) and "actions" (what the
caller may do now); stakeholders reach only their items (404 otherwise) and their side."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import AuditEntry, ChannelItem, Comment, Record
from sqlalchemy import func, select

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app
from tests.statements import recorded_statements

ACTION_KEYS = {"action", "title", "comment_required", "requires_fields", "fields"}


def url(record: Record, tail: str = "") -> str:
    return f"/api/v1/records/{record.id}{tail}"


def get(client, auth: dict[str, str], record: Record) -> dict[str, Any]:
    response = client.get(url(record), headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def act(client, auth: dict[str, str], record: Record, action: str, comment: str | None = None):
    body = {"action": action, **({"comment": comment} if comment else {})}
    return client.post(url(record, "/transitions"), json=body, headers=auth)


def actions(answer: dict[str, Any]) -> list[str]:
    assert all(set(a) == ACTION_KEYS for a in answer["actions"])
    return [a["action"] for a in answer["actions"]]


@pytest.fixture
def heads(token, users, stakeholder_users) -> dict[str, dict[str, str]]:
    everyone = {**users, **{ods: user for ods, user in stakeholder_users.items()}}
    return {key: token(user) for key, user in everyone.items()}


def test_the_provider_side_sees_every_item_and_no_stakeholder_step(client, heads, send_concern):
    record = send_concern("adult")
    for who in ("practice_staff", "practice_manager", "pcn_manager", "platform_admin"):
        answer = get(client, heads[who], record)
        assert [(c["channel"], c["stakeholder"]) for c in answer["channels"]] == [
            ("adult_safeguarding", "LAADULT")
        ], who
        assert answer["channels"][0]["sent_at"].endswith("Z")
        assert actions(answer) == [], who  # acknowledging is for the stakeholder side


def test_the_receiving_stakeholder_gets_its_side_of_the_workflow(client, heads, send_concern):
    record = send_concern("adult")
    answer = get(client, heads["LAADULT"], record)
    assert answer["data"]["summary"] == "Bruising seen at a home visit"
    assert answer["actions"] == [
        {
            "action": "acknowledge",
            "title": "Acknowledge",
            "comment_required": False,
            "requires_fields": [],
            "fields": [],
        },
        {
            "action": "request_info",
            "title": "Ask for more information",
            "comment_required": True,
            "requires_fields": [],
            "fields": [],
        },
        {
            "action": "decide",
            "title": "Record the decision",
            "comment_required": True,
            "requires_fields": [],
            "fields": [],
        },
    ]
    assert [c["stakeholder"] for c in answer["channels"]] == ["LAADULT"]


def test_actions_follow_each_step(client, heads, send_concern):
    record = send_concern("adult")
    officer, staff, pcn = heads["LAADULT"], heads["practice_staff"], heads["pcn_manager"]
    acknowledged = act(client, officer, record, "acknowledge")
    assert acknowledged.status_code == 200, acknowledged.get_json()
    body = acknowledged.get_json()
    assert body["status"] == "acknowledged"
    assert actions(body) == ["request_info", "decide"]  # the answer is the caller's
    assert body["channels"][0]["acknowledged_at"].endswith("Z")
    asked = act(client, officer, record, "request_info", "Which care home?")
    assert actions(asked.get_json()) == []
    for provider in (staff, pcn):
        respond = get(client, provider, record)["actions"]
        assert respond == [
            {
                "action": "respond",
                "title": "Send the information",
                "comment_required": True,
                "requires_fields": [],
                "fields": [],
            }
        ]
    answered = act(client, staff, record, "respond", "Rose Court")
    assert answered.status_code == 200 and actions(answered.get_json()) == []
    # back to "sent": the same three steps as at first
    assert actions(get(client, officer, record)) == ["acknowledge", "request_info", "decide"]
    decided = act(client, officer, record, "decide", "Section 42 enquiry")
    assert actions(decided.get_json()) == ["close"]
    closed = act(client, officer, record, "close").get_json()
    assert closed["status"] == "closed" and actions(closed) == []
    item = closed["channels"][0]
    assert item["decided_at"] and item["closed_at"]


def test_requires_fields_lists_the_pointers_the_workflow_needs(
    client, db_session, orgs, users, stakeholder_users, token
):
    definition = concern_definition()
    definition["id"] = "concern_with_outcome"
    definition["schema"]["properties"]["outcome"] = {"type": "string", "title": "Outcome"}
    definition["workflow"]["states"]["decided"]["requires_fields"] = ["/outcome"]
    definition["workflow"]["states"]["decided"]["editable"] = False
    definition["workflow"]["transitions"][1]["requires_fields"] = ["/reference"]
    publish_app(db_session, definition, [orgs["QWE"]])
    created = client.post(
        "/api/v1/apps/concern_with_outcome/records",
        json={"org": "A00001", "data": {"kind": "adult", "summary": "x"}, "submit": True},
        headers=token(users["practice_staff"]),
    ).get_json()
    record = db_session.get(Record, created["id"])
    answer = get(client, token(stakeholder_users["LAADULT"]), record)
    by_action = {a["action"]: a["requires_fields"] for a in answer["actions"]}
    assert by_action == {
        "acknowledge": ["/reference"],
        "request_info": [],
        "decide": ["/outcome"],
    }


def test_a_stakeholder_sees_only_its_own_items_of_a_record_sent_to_several(
    client, db_session, orgs, users, stakeholder_users, token
):
    definition = concern_definition()
    definition["id"] = "concern_copied"
    definition["channels"].append(
        {
            "id": "quality_copy",
            "title": "Copy to quality",
            "stakeholder_orgs": ["ICBQ"],
            "send_on": "state:sent",
        }
    )
    publish_app(db_session, definition, [orgs["QWE"]])
    created = client.post(
        "/api/v1/apps/concern_copied/records",
        json={"org": "A00001", "data": {"kind": "adult", "summary": "x"}, "submit": True},
        headers=token(users["practice_staff"]),
    ).get_json()
    assert {c["stakeholder"] for c in created["channels"]} == {"LAADULT", "ICBQ"}
    record = db_session.get(Record, created["id"])
    for ods in ("LAADULT", "ICBQ"):
        seen = get(client, token(stakeholder_users[ods]), record)["channels"]
        assert [c["stakeholder"] for c in seen] == [ods]


@pytest.mark.parametrize("who", ["LAOTHER", "LAKIDS", "ICBQ", "stakeholder", "practice_manager_2"])
def test_anyone_else_gets_404_everywhere(client, heads, send_concern, db_session, who):
    record = send_concern("adult")
    auth = heads[who]
    requests = [
        client.get(url(record), headers=auth),
        client.get(url(record, "/comments"), headers=auth),
        client.post(url(record, "/comments"), json={"body": "hello?"}, headers=auth),
        act(client, auth, record, "acknowledge"),
        act(client, auth, record, "decide", "x"),
        client.patch(
            url(record), json={"data": {"kind": "adult"}}, headers={**auth, "If-Match": "1"}
        ),
    ]
    for response in requests:
        assert response.status_code == 404, (who, response.request.path, response.get_json())
        assert "record" in response.get_json()["message"]
    assert db_session.scalar(select(func.count()).select_from(Comment)) == 0
    assert db_session.get(Record, record.id).status == "sent"


def test_a_provider_taking_a_stakeholder_step_gets_403_naming_the_side(
    client, heads, send_concern, db_session
):
    record = send_concern("adult")
    for who in ("practice_manager", "pcn_manager", "platform_admin"):
        refused = act(client, heads[who], record, "acknowledge")
        assert refused.status_code == 403, who
        assert "Only the stakeholder side can acknowledge" in refused.get_json()["message"]
    assert db_session.get(Record, record.id).status == "sent"


def test_a_stakeholder_taking_a_provider_step_gets_403_naming_the_side(client, heads, send_concern):
    record = send_concern("adult")
    act(client, heads["LAADULT"], record, "request_info", "Which home?")
    refused = act(client, heads["LAADULT"], record, "respond", "Me again")
    assert refused.status_code == 403
    assert "Only the provider side can send the information" in refused.get_json()["message"]


def test_a_stakeholder_may_not_change_the_data(client, heads, send_concern, db_session):
    record = send_concern("adult")
    act(client, heads["LAADULT"], record, "request_info", "Which home?")  # editable state
    version = db_session.get(Record, record.id).version
    refused = client.patch(
        url(record),
        json={"data": {"kind": "adult", "summary": "Changed by the council"}},
        headers={**heads["LAADULT"], "If-Match": str(version)},
    )
    assert refused.status_code == 403, refused.get_json()
    db_session.expire_all()
    assert db_session.get(Record, record.id).data["summary"] == "Bruising seen at a home visit"


def test_the_stakeholder_comments_in_the_thread(client, heads, send_concern):
    record = send_concern("adult")
    added = client.post(url(record, "/comments"), json={"body": "Seen"}, headers=heads["LAADULT"])
    assert added.status_code == 201
    thread = client.get(url(record, "/comments"), headers=heads["practice_staff"]).get_json()
    assert [c["body"] for c in thread["items"]] == ["Seen"]


def test_record_lists_carry_channels_and_load_items_at_once(
    client, heads, send_concern, app, db_session
):
    made = [send_concern(kind) for kind in ("adult", "child", "quality", "adult", "child")]
    with recorded_statements(db_session) as statements:
        listed = client.get(
            "/api/v1/apps/safeguarding_concern/records", headers=heads["practice_manager"]
        )
    body = listed.get_json()
    assert listed.status_code == 200 and body["total"] == 5
    expected = {"adult": "LAADULT", "child": "LAKIDS", "quality": "ICBQ"}
    for answer in body["items"]:
        assert {"channels", "actions"} <= set(answer)
        kind = answer["data"]["kind"]
        assert [c["stakeholder"] for c in answer["channels"]] == [expected[kind]]
    item_queries = [s for s in statements if "FROM channel_items" in s]
    # one to load the page's items, one to find the channel records to audit as read
    assert len(item_queries) == 2, item_queries
    reads = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).all()
    assert sorted(e.record_id for e in reads) == sorted(r.id for r in made)
    assert db_session.scalar(select(func.count()).select_from(ChannelItem)) == 5
