"""Sending through channels: who receives an item, once; sides; the clocks each step
moves; a failed step sends nothing; emails carry a link, never what was reported."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import ChannelItem, OutboxMessage, Record
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.lifecycle import allowed_actions, apply_transition, create_record
from miniapps.services.records.listing import visible_record
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app


def items_of(session: Session, record: Record) -> list[ChannelItem]:
    return list(session.scalars(select(ChannelItem).where(ChannelItem.record_id == record.id)))


def take(session: Session, user: Any, record: Record, action: str, comment: str | None = None):
    apply_transition(
        session,
        Access(user),
        record,
        action,
        comment=comment,
        actor=user,
        notify_base_url="http://localhost",
    )
    session.commit()


@pytest.mark.parametrize(
    ("kind", "receiver"), [("adult", "LAADULT"), ("child", "LAKIDS"), ("quality", "ICBQ")]
)
def test_a_record_goes_to_the_covering_stakeholder_of_its_category(
    db_session, send_concern, stakeholder_users, kind, receiver
):
    record = send_concern(kind)
    items = items_of(db_session, record)
    assert [(i.stakeholder.ods, i.sends) for i in items] == [(receiver, 1)]
    item = items[0]
    assert item.provider_id == record.organisation_id
    assert item.acknowledge_by is not None and item.decide_by is not None
    assert item.acknowledged_at is item.decided_at is item.closed_at is None
    assert not item.breached


def test_stakeholder_outside_the_area_or_without_a_parent_gets_nothing(
    db_session, send_concern, stakeholders
):
    send_concern("adult")
    receivers = {i.stakeholder.ods for i in db_session.scalars(select(ChannelItem))}
    assert receivers == {"LAADULT"}  # not LAOTHER (another area), not LA001 (no parent)


def test_stakeholder_named_by_ods_receives_wherever_it_sits(db_session, orgs, users, stakeholders):
    definition = concern_definition()
    definition["channels"] = [
        {"id": "named", "title": "Named", "stakeholder_orgs": ["LA001"], "send_on": "submitted"}
    ]
    app = publish_app(db_session, definition, [orgs["QWE"]])
    staff = users["practice_staff"]
    record = create_record(
        db_session,
        Access(staff),
        app,
        orgs["A00001"],
        {"kind": "adult", "summary": "x"},
        submit=True,
        actor=staff,
    )
    db_session.commit()
    assert [i.stakeholder.ods for i in items_of(db_session, record)] == ["LA001"]


def test_a_condition_that_does_not_hold_sends_nothing(db_session, orgs, users, concern_app):
    staff = users["practice_staff"]
    record = create_record(
        db_session,
        Access(staff),
        concern_app,
        orgs["A00001"],
        {"summary": "kind not given yet"},
        actor=staff,
    )
    db_session.commit()
    assert items_of(db_session, record) == []


def test_a_failed_step_sends_nothing(db_session, orgs, users, concern_app):
    staff = users["practice_staff"]
    with pytest.raises(DataInvalid):
        create_record(
            db_session,
            Access(staff),
            concern_app,
            orgs["A00001"],
            {"kind": "adult"},
            submit=True,
            actor=staff,
        )  # summary missing
    db_session.rollback()
    assert db_session.scalars(select(ChannelItem)).all() == []


def test_only_the_receiving_stakeholder_sees_the_record(
    db_session, send_concern, stakeholder_users, users
):
    record = send_concern("adult")
    rid = record.id

    def seen_by(user) -> bool:
        return visible_record(db_session, Access(user), rid) is not None

    assert seen_by(stakeholder_users["LAADULT"]) and seen_by(users["practice_manager"])
    for ods in ("LAKIDS", "ICBQ", "LAOTHER"):
        assert not seen_by(stakeholder_users[ods])
    assert not seen_by(users["stakeholder"])  # LA001: no area
    assert not seen_by(users["practice_manager_2"])


def test_sides_are_enforced_with_a_message_naming_the_side(
    db_session, send_concern, stakeholder_users, users
):
    record = send_concern("adult")
    with pytest.raises(Forbidden, match="Only the stakeholder side can acknowledge"):
        apply_transition(
            db_session,
            Access(users["practice_manager"]),
            record,
            "acknowledge",
            comment=None,
            actor=users["practice_manager"],
        )
    with pytest.raises(Forbidden, match="Only the stakeholder side"):
        apply_transition(
            db_session,
            Access(users["platform_admin"]),
            record,
            "acknowledge",
            comment=None,
            actor=users["platform_admin"],
        )
    officer = stakeholder_users["LAADULT"]
    assert {t.action for t in allowed_actions(Access(officer), db_session, record)} == {
        "acknowledge",
        "request_info",
        "decide",
    }
    assert allowed_actions(Access(users["practice_manager"]), db_session, record) == []
    take(db_session, officer, record, "request_info", "Which home was it?")
    with pytest.raises(Forbidden, match="Only the provider side can send the information"):
        apply_transition(db_session, Access(officer), record, "respond", comment="x", actor=officer)


def test_the_full_flow_moves_the_clocks_and_resends_the_same_item(
    db_session, send_concern, stakeholder_users, users
):
    record = send_concern("adult")
    officer, staff = stakeholder_users["LAADULT"], users["practice_staff"]
    take(db_session, officer, record, "acknowledge")
    (item,) = items_of(db_session, record)
    assert item.acknowledged_at is not None and item.decided_at is None
    take(db_session, officer, record, "request_info", "Which home was it?")
    take(db_session, staff, record, "respond", "Rose Court, room 4")
    (item,) = items_of(db_session, record)
    assert item.sends == 2  # sent again: the same item
    take(db_session, officer, record, "decide", "Section 42 enquiry opened")
    db_session.refresh(item)
    assert item.decided_at is not None and item.closed_at is None
    take(db_session, officer, record, "close")
    db_session.refresh(item)
    assert item.closed_at is not None
    assert record.status == "closed"


def test_emails_link_to_the_record_and_never_carry_what_was_reported(
    db_session, send_concern, stakeholder_users, users
):
    record = send_concern("adult")
    officer = stakeholder_users["LAADULT"]
    sent = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == officer.email)
    ).all()
    assert len(sent) == 1
    assert f"/records/{record.id}" in sent[0].body_text
    assert "Bruising" not in sent[0].body_text + (sent[0].body_html or "")
    take(db_session, officer, record, "request_info", "Secret detail about the home")
    to_practice = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == users["practice_staff"].email)
    ).all()
    assert to_practice
    for message in to_practice:
        assert "Secret detail" not in message.body_text + (message.body_html or "")


def test_sending_does_not_ask_the_provider_side_to_take_the_stakeholder_steps(
    db_session, send_concern, users, stakeholder_users
):
    send_concern("adult")
    addresses = set(db_session.scalars(select(OutboxMessage.to_address)))
    assert addresses == {stakeholder_users["LAADULT"].email}
