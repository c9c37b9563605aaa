"""Records: drafts, submit, optimistic locking, transitions, audit trail."""

from __future__ import annotations

import copy

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DataInvalid
from miniapps.models import AuditEntry, Record
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.audit import created_changes, diff, history
from miniapps.services.records.lifecycle import NotEditable
from miniapps.services.records.steps import StaleRecord, TransitionNotAllowed
from sqlalchemy import func, select

from tests.sample_workflows import CASE_LOG


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
    record = make(db_session, users, orgs, fridge_app, {"reading": 4}, who="practice_staff")
    manager = users["practice_manager"]
    with pytest.raises(TransitionNotAllowed) as caught:
        record_service.apply_transition(
            db_session, Access(manager), record, "approve", comment=None, actor=manager
        )
    assert caught.value.allowed == ["submit"]


def test_return_needs_a_comment(db_session, users, orgs, fridge_app):
    record = make(db_session, users, orgs, fridge_app, {"reading": 4}, submit=True)
    manager = users["pcn_manager"]  # not the submitter: returning is a reviewer's action
    with pytest.raises(DataInvalid) as caught:
        record_service.apply_transition(
            db_session, Access(manager), record, "return", comment="  ", actor=manager
        )
    assert caught.value.issues[0].pointer == "/comment"
    record_service.apply_transition(
        db_session, Access(manager), record, "return", comment="Reading looks wrong", actor=manager
    )
    assert record.status == "draft"


# --- fields a workflow action needs filled in first (sample_workflows.CASE_LOG) ------------


@pytest.fixture
def case_log(db_session, orgs):
    published = app_service.publish(
        db_session, validate_definition(copy.deepcopy(CASE_LOG)), [orgs["QWE"]], actor=None
    )
    db_session.commit()
    return published.app


def take(db_session, users, record, action, who="pcn_manager", comment=None):
    # The PCN manager reviews: ``close`` needs the approve permission, not the author's.
    user = users[who]
    return record_service.apply_transition(
        db_session, Access(user), record, action, comment=comment, actor=user
    )


def test_closing_without_required_fields_is_refused_and_changes_nothing(
    db_session, users, orgs, case_log
):
    data = {"summary": "Fridge alarm", "actions": [{"owner": "Jo"}, {}]}
    record = make(db_session, users, orgs, case_log, data, submit=True)
    db_session.commit()
    assert record.status == "open"
    version, audited = record.version, db_session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(DataInvalid) as caught:
        take(db_session, users, record, "close")
    assert [(i.pointer, i.message) for i in caught.value.issues] == [
        ("/severity", "Fill in 'Severity' to close"),
        ("/actions/1/owner", "Fill in 'Owner' (item 2) to close"),
        ("/outcome", "Fill in 'Outcome' to close"),
    ]
    db_session.rollback()
    stored = db_session.get(Record, record.id)
    assert (stored.status, stored.version) == ("open", version)
    assert db_session.scalar(select(func.count(AuditEntry.id))) == audited


def test_open_record_is_editable_validated_fully_then_closes(db_session, users, orgs, case_log):
    record = make(db_session, users, orgs, case_log, {"summary": "Fridge alarm"}, submit=True)
    db_session.commit()
    manager = users["practice_manager"]
    with pytest.raises(DataInvalid) as caught:  # past the draft: no incomplete saves
        record_service.update_record(
            db_session, Access(manager), record, {}, expected_version=record.version, actor=manager
        )
    assert [i.pointer for i in caught.value.issues] == ["/summary"]
    db_session.rollback()
    filled = {"summary": "Fridge alarm", "outcome": "Stock moved", "severity": "low"}
    record_service.update_record(
        db_session,
        Access(manager),
        record,
        filled,
        expected_version=record.version,
        actor=manager,
        submit=True,  # already submitted: nothing more to do
    )
    assert record.status == "open" and record.data == filled
    take(db_session, users, record, "close")
    assert record.status == "closed"
    with pytest.raises(NotEditable):
        record_service.update_record(
            db_session,
            Access(manager),
            record,
            filled,
            expected_version=record.version,
            actor=manager,
        )


def test_required_fields_are_checked_on_submit_from_the_form_too(db_session, users, orgs):
    definition = copy.deepcopy(CASE_LOG)
    definition["workflow"]["transitions"][0]["requires_fields"] = ["/severity"]
    published = app_service.publish(
        db_session, validate_definition(definition), [orgs["QWE"]], actor=None
    )
    with pytest.raises(DataInvalid) as caught:
        make(db_session, users, orgs, published.app, {"summary": "x"}, submit=True)
    assert [i.pointer for i in caught.value.issues] == ["/severity"]
    db_session.rollback()
    assert db_session.scalar(select(Record.id)) is None


def test_missing_comment_and_fields_are_reported_together(db_session, users, orgs):
    definition = copy.deepcopy(CASE_LOG)
    definition["workflow"]["transitions"][1]["comment_required"] = True
    published = app_service.publish(
        db_session, validate_definition(definition), [orgs["QWE"]], actor=None
    )
    record = make(db_session, users, orgs, published.app, {"summary": "x"}, submit=True)
    with pytest.raises(DataInvalid) as caught:
        take(db_session, users, record, "close")
    assert [i.pointer for i in caught.value.issues] == ["/comment", "/severity", "/outcome"]


def test_a_new_records_changes_are_its_diff_from_nothing():
    for data in (
        {},
        {"a": 1, "b": None, "c": {"d": [1, {"e": None}]}, "f": False, "g": 0, "h": ""},
        {"a/b": "x", "~": [], "n": {"m": None}},
    ):
        assert created_changes(data) == diff({}, data)
    assert created_changes({"c": {"d": 1}}) == [{"pointer": "/c", "old": None, "new": {"d": 1}}]


def test_diff_reports_nested_leaf_changes():
    changes = diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": True})
    assert changes == [
        {"pointer": "/a/c", "old": 2, "new": 3},
        {"pointer": "/d", "old": None, "new": True},
    ]
