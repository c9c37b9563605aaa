"""Records: drafts, submit, optimistic locking, transitions, audit trail."""

from __future__ import annotations

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import AuditEntry, Record
from miniapps.services import records as record_service
from miniapps.services.audit import diff, history
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import StaleRecord, TransitionNotAllowed
from sqlalchemy import select


def make(db_session, users, orgs, app, data, submit=False, who="practice_manager", ods="A00001"):
    user = users[who]
    return record_service.create_record(
        db_session, Access(user), app, orgs[ods], data, submit=submit, actor=user
    )


def test_draft_saves_without_full_validation(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {})
    assert record.status == "draft" and record.version == 1 and record.data == {}


def test_submit_validates_fully_and_stores_nothing_on_error(db_session, users, orgs, fridge_app):
    with pytest.raises(DataInvalid) as caught:
        make(db_session, users, orgs, fridge_app, {"reading": 99}, submit=True)
    assert [i.pointer for i in caught.value.issues] == ["/reading"]
    db_session.rollback()
    assert db_session.scalar(select(Record.id)) is None


def test_submit_moves_to_submitted_and_audits(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 4.5}, submit=True)
    assert record.status == "submitted" and record.submitted_at is not None
    entries = history(db_session, record)
    assert [e.action for e in entries] == ["create", "submit"]
    assert entries[0].changes == [{"pointer": "/reading", "old": None, "new": 4.5}]
    assert entries[1].changes[0] == {"pointer": "/status", "old": "draft", "new": "submitted"}


def test_stale_update_is_refused_and_nothing_overwritten(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 3})
    access, user = Access(users["practice_manager"]), users["practice_manager"]
    record_service.update_record(
        db_session, access, record, {"reading": 4}, expected_version=1, actor=user
    )
    db_session.commit()
    assert record.version == 2
    with pytest.raises(StaleRecord) as caught:
        record_service.update_record(
            db_session, access, record, {"reading": 9}, expected_version=1, actor=user
        )
    assert caught.value.current_version == 2
    db_session.rollback()
    assert db_session.get(Record, record.id).data == {"reading": 4}


def test_update_audits_old_and_new_values(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 3})
    user = users["practice_manager"]
    record_service.update_record(
        db_session, Access(user), record, {"reading": 5}, expected_version=1, actor=user
    )
    last = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last.action == "update" and last.actor_id == user.id
    assert last.changes == [{"pointer": "/reading", "old": 3, "new": 5}]


def test_writing_for_another_practice_is_forbidden(db_session, users, orgs, fridge_app):
    with pytest.raises(Forbidden):
        make(db_session, users, orgs, fridge_app, {"reading": 4}, ods="A00003")


def test_staff_cannot_approve_but_manager_can(db_session, users, orgs, fridge_app):
    record = make(
        db_session, users, orgs, fridge_app, {"reading": 4}, submit=True, who="practice_staff"
    )
    staff = users["practice_staff"]
    with pytest.raises(Forbidden):
        record_service.apply_transition(
            db_session, Access(staff), record, "approve", comment=None, actor=staff
        )
    manager = users["practice_manager"]
    record_service.apply_transition(
        db_session, Access(manager), record, "approve", comment=None, actor=manager
    )
    assert record.status == "approved"


def test_transition_from_wrong_state_lists_allowed(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 4})
    manager = users["practice_manager"]
    with pytest.raises(TransitionNotAllowed) as caught:
        record_service.apply_transition(
            db_session, Access(manager), record, "approve", comment=None, actor=manager
        )
    assert caught.value.allowed == ["submit"]


def test_return_needs_a_comment(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 4}, submit=True)
    manager = users["practice_manager"]
    with pytest.raises(DataInvalid) as caught:
        record_service.apply_transition(
            db_session, Access(manager), record, "return", comment="  ", actor=manager
        )
    assert caught.value.issues[0].pointer == "/comment"
    record_service.apply_transition(
        db_session, Access(manager), record, "return", comment="Reading looks wrong", actor=manager
    )
    assert record.status == "draft"


def test_diff_reports_nested_leaf_changes():
    changes = diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": True})
    assert changes == [
        {"pointer": "/a/c", "old": 2, "new": 3},
        {"pointer": "/d", "old": None, "new": True},
    ]
