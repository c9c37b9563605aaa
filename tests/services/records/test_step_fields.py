"""Step fields: a stakeholder's decision fills in the outcome with the step. The values
are merged into the record's data, checked with the one record check, stored and
audited as an "update" by the actor, then the record moves; any problem is refused at
its pointer with nothing stored. The practice's own saves keep them untouched."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import App, AuditEntry, Organisation, Record, User
from miniapps.services.permissions import WRITE, Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.step_fields_app import publish_decision_app, send_concern

DECISION = {"la_outcome": "section_42_enquiry", "la_reasons": "Care and support needs met"}


@pytest.fixture
def decision_app(db_session: Session, orgs: dict[str, Organisation], stakeholders) -> App:
    return publish_decision_app(db_session, [orgs["QWE"]])


@pytest.fixture
def sent(db_session: Session, orgs, users, decision_app: App) -> Record:
    return send_concern(db_session, decision_app, users["practice_staff"], orgs["A00001"])


@pytest.fixture
def la_officer(stakeholder_users: dict[str, User]) -> User:
    return stakeholder_users["LAADULT"]


def entries(db_session: Session, record: Record) -> list[AuditEntry]:
    return list(
        db_session.scalars(
            select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
        )
    )


def decide(db_session: Session, user: User, record: Record, data: Any, **kw: Any) -> Record:
    return record_service.apply_transition(
        db_session, Access(user), record, "decide", comment=kw.get("comment"), actor=user, data=data
    )


def refused(db_session: Session, user: User, record: Record, data: Any) -> list[str]:
    """The pointers of a refused decision; checks nothing was stored (even before the
    caller's rollback) and rolls back as the entry points do."""
    before_data, before_audit = dict(record.data), len(entries(db_session, record))
    with pytest.raises(DataInvalid) as caught:
        decide(db_session, user, record, data)
    assert record.data == before_data and record.status == "sent"
    db_session.rollback()
    stored = db_session.get(Record, record.id)
    assert stored is not None and stored.status == "sent" and stored.data == before_data
    assert len(entries(db_session, stored)) == before_audit
    return [issue.pointer for issue in caught.value.issues]


def test_the_stakeholder_decides_with_the_outcome_stored_and_audited(
    db_session, users, orgs, decision_app, sent, la_officer
) -> None:
    # The LA has no write permission on the practice's record, yet takes its step.
    assert not Access(la_officer).can(WRITE, orgs["A00001"], decision_app)
    decide(db_session, la_officer, sent, DECISION)
    db_session.commit()
    record = db_session.get(Record, sent.id)
    assert record is not None and record.status == "decided"
    assert record.data["la_outcome"] == "section_42_enquiry"
    assert record.data["la_reasons"] == "Care and support needs met"
    assert record.data["summary"] == "Bruising seen at a home visit"  # the rest kept
    assert record.updated_by_id == la_officer.id
    update, step = entries(db_session, record)[-2:]
    assert (update.action, update.actor_id) == ("update", la_officer.id)
    assert {c["pointer"]: (c["old"], c["new"]) for c in update.changes} == {
        "/la_outcome": (None, "section_42_enquiry"),
        "/la_reasons": (None, "Care and support needs met"),
    }
    assert (step.action, step.actor_id) == ("decide", la_officer.id)


def test_a_bad_value_is_refused_at_the_fields_pointer_with_nothing_stored(
    db_session, sent, la_officer
) -> None:
    assert refused(db_session, la_officer, sent, {"la_outcome": "maybe"}) == ["/la_outcome"]
    too_long = {"la_outcome": "no_further_action", "la_reasons": "x" * 201}
    assert refused(db_session, la_officer, sent, too_long) == ["/la_reasons"]
    # The record's own rule (an if/then): "other" needs its reasons.
    assert refused(db_session, la_officer, sent, {"la_outcome": "other"}) == ["/la_reasons"]


def test_a_key_outside_the_steps_fields_is_refused_at_data_key(
    db_session, sent, la_officer
) -> None:
    pointers = refused(db_session, la_officer, sent, {**DECISION, "summary": "Rewritten", "x": 1})
    assert pointers == ["/data/summary", "/data/x"]


def test_requires_fields_may_name_a_step_field(db_session, sent, la_officer) -> None:
    with pytest.raises(DataInvalid) as caught:
        decide(db_session, la_officer, sent, None)
    assert [(i.pointer, i.message) for i in caught.value.issues] == [
        ("/la_outcome", "Fill in 'Outcome' to record the decision")
    ]
    db_session.rollback()
    assert refused(db_session, la_officer, sent, {"la_reasons": "No outcome yet"}) == [
        "/la_outcome"
    ]


def test_the_practices_saves_keep_the_decision(db_session, users, sent, la_officer) -> None:
    decide(db_session, la_officer, sent, DECISION)
    db_session.commit()
    staff = users["practice_staff"]
    mine = {"kind": "adult", "summary": "Bruising and a burn", "urgent": True}
    record_service.update_record(
        db_session, Access(staff), sent, mine, expected_version=sent.version, actor=staff
    )
    db_session.commit()
    assert sent.data == {**mine, **DECISION}  # the form has no step fields: kept
    same = {**mine, "la_outcome": "section_42_enquiry"}  # sent back as read: fine
    record_service.update_record(
        db_session, Access(staff), sent, same, expected_version=sent.version, actor=staff
    )
    db_session.commit()
    assert sent.data == {**mine, **DECISION}
    changed = {**mine, "la_outcome": "no_further_action", "la_reasons": "Changed"}
    with pytest.raises(DataInvalid) as caught:
        record_service.update_record(
            db_session, Access(staff), sent, changed, expected_version=sent.version, actor=staff
        )
    assert [i.pointer for i in caught.value.issues] == ["/la_outcome", "/la_reasons"]
    assert "filled in with the step 'Record the decision'" in caught.value.issues[0].message
    db_session.rollback()
    assert db_session.get(Record, sent.id).data == {**mine, **DECISION}


def test_a_new_record_cannot_bring_a_step_value(db_session, users, orgs, decision_app) -> None:
    staff = users["practice_staff"]
    with pytest.raises(DataInvalid) as caught:
        record_service.create_record(
            db_session,
            Access(staff),
            decision_app,
            orgs["A00001"],
            {"kind": "adult", "summary": "Seen", "la_outcome": "no_further_action"},
            actor=staff,
        )
    assert [i.pointer for i in caught.value.issues] == ["/la_outcome"]
