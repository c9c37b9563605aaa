"""Issue 11: whoever submitted a record or last changed its data does not approve it.

The same check drives the service, the record page's buttons (``allowed_actions``) and
the API; a transition may opt out with ``"self_approval": true``.
"""

from __future__ import annotations

import copy

import pytest
from miniapps.core.workflow import DEFAULT_WORKFLOW, Transition, Workflow
from miniapps.services.permissions import Access, Forbidden, SystemAccess
from miniapps.services.records import lifecycle
from miniapps.services.records.duties import record_authors

from tests.publishing import publish_app


def create(db_session, users, orgs, app, who, submit=True, reading=4):
    user = users[who]
    return lifecycle.create_record(
        db_session,
        Access(user),
        app,
        orgs["A00001"],
        {"reading": reading},
        submit=submit,
        actor=user,
    )


def take(db_session, users, record, action, who, comment=None):
    user = users[who]
    return lifecycle.apply_transition(
        db_session, Access(user), record, action, comment=comment, actor=user
    )


def offered(db_session, users, record, who) -> list[str]:
    actions = lifecycle.allowed_actions(Access(users[who]), db_session, record)
    return [t.action for t in actions]


def test_the_submitter_may_not_approve_their_own_record(db_session, users, orgs, fridge_app):
    record = create(db_session, users, orgs, fridge_app, "practice_manager")
    assert offered(db_session, users, record, "practice_manager") == []
    with pytest.raises(Forbidden) as caught:
        take(db_session, users, record, "approve", "practice_manager")
    assert str(caught.value) == (
        "Someone else must approve: you submitted this record or last changed its "
        "answers, and a second person checks it."
    )
    assert record.status == "submitted"
    # The level above reviews it.
    assert offered(db_session, users, record, "pcn_manager") == ["approve", "return"]
    take(db_session, users, record, "approve", "pcn_manager")
    assert record.status == "approved"


def test_whoever_last_changed_the_data_may_not_approve_either(db_session, users, orgs, fridge_app):
    record = create(db_session, users, orgs, fridge_app, "practice_staff", submit=False)
    manager = users["practice_manager"]
    lifecycle.update_record(
        db_session,
        Access(manager),
        record,
        {"reading": 5},
        expected_version=record.version,
        actor=manager,
    )
    take(db_session, users, record, "submit", "practice_staff")
    assert record_authors(db_session, record, Workflow(None)) == {
        users["practice_staff"].id,
        manager.id,
    }
    with pytest.raises(Forbidden):
        take(db_session, users, record, "approve", "practice_manager")


def test_a_colleague_who_only_returned_it_may_approve_the_resubmission(
    db_session, users, orgs, fridge_app
):
    record = create(db_session, users, orgs, fridge_app, "practice_staff")
    take(db_session, users, record, "return", "practice_manager", comment="Recheck it")
    take(db_session, users, record, "submit", "practice_staff")
    assert offered(db_session, users, record, "practice_manager") == ["approve", "return"]
    take(db_session, users, record, "approve", "practice_manager")
    assert record.status == "approved"


def test_refused_before_any_question_of_state(db_session, users, orgs, fridge_app):
    record = create(db_session, users, orgs, fridge_app, "practice_manager")
    take(db_session, users, record, "approve", "pcn_manager")
    # Approved already (a 409 for anyone else), but the author hears 403 first.
    with pytest.raises(Forbidden):
        take(db_session, users, record, "approve", "practice_manager")


def test_self_approval_true_lets_the_author_approve(db_session, users, orgs):
    workflow = copy.deepcopy(DEFAULT_WORKFLOW)
    workflow["transitions"][1]["self_approval"] = True
    definition = {
        "id": "solo_log",
        "title": "Solo log",
        "version": 1,
        "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
        "workflow": workflow,
    }
    app = publish_app(db_session, definition, [orgs["QWE"]])
    record = create(db_session, users, orgs, app, "practice_manager")
    # Only the approve transition opted out; returning still needs someone else.
    assert offered(db_session, users, record, "practice_manager") == ["approve"]
    take(db_session, users, record, "approve", "practice_manager")
    assert record.status == "approved"


def test_the_platform_itself_is_nobody_s_author(db_session, users, orgs, fridge_app):
    record = create(db_session, users, orgs, fridge_app, "practice_manager")
    lifecycle.apply_transition(
        db_session, SystemAccess(), record, "approve", comment=None, actor=None
    )
    assert record.status == "approved"


def test_only_approve_permission_transitions_separate_duties():
    raw = {"action": "close", "from": ["open"], "to": "closed"}
    assert not Transition.from_json(raw).separates_duties
    assert Transition.from_json({**raw, "permission": "approve"}).separates_duties
    opted_out = {**raw, "permission": "approve", "self_approval": True}
    assert not Transition.from_json(opted_out).separates_duties
