"""Role holders read once for an occurrence: the same people as one query per role list,
each with their delivery for the record's app (an override, else their default)."""

from __future__ import annotations

from miniapps.models import AuditEntry, NotificationPreference
from miniapps.services.notifications.events import recipients_for
from miniapps.services.notifications.recipients import role_holders
from sqlalchemy import select
from sqlalchemy.orm import Session


def test_holders_of_several_role_lists_are_those_each_list_finds(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    holders = role_holders(db_session, record, ["practice_manager", "pcn_manager", "submitter"])
    for roles in (["practice_manager"], ["pcn_manager"], ["practice_manager", "pcn_manager"]):
        expected = recipients_for(db_session, record, roles)
        assert holders.holding(roles) == expected
        assert recipients_for(db_session, record, roles, holders=holders) == expected
    both = recipients_for(db_session, record, ["pcn_manager", "submitter"], holders=holders)
    assert both[-1] == users["practice_staff"]  # the submitter, after the role holders


def test_each_holder_has_their_delivery_for_the_app(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    manager, pcn = users["practice_manager"], users["pcn_manager"]
    pcn.notification_delivery = "digest"
    db_session.add(
        NotificationPreference(user_id=manager.id, app_id=record.app_id, delivery="digest")
    )
    db_session.flush()
    holders = role_holders(db_session, record, ["practice_manager", "pcn_manager"])
    assert holders.deliveries[manager.id] == "digest"  # the app's override
    assert holders.deliveries[pcn.id] == "digest"  # the default


def test_a_submit_writes_create_then_submit_entries(submitted_reading, db_session: Session) -> None:
    record = submitted_reading
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["create", "submit"]
    assert entries[0].changes == [{"pointer": "/reading", "old": None, "new": 9.5}]
    assert entries[1].changes == [{"pointer": "/status", "old": "draft", "new": record.status}]
    assert record.version == 2 and record.submitted_at is not None
