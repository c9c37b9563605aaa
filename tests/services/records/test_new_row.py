"""A new record's object, as both ways of storing one build it: its organisation, makers
and (empty) channel items are the objects given, set as known rather than as changes, so
reading them costs no statement, and the draft stores their ids all the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from miniapps.models import App, ChannelItem, Record, User
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from miniapps.services.records.new_row import new_record
from miniapps.services.records.representation import record_json
from sqlalchemy import inspect
from sqlalchemy.orm import Session, object_session
from werkzeug.local import LocalProxy

from tests.conftest import load_example
from tests.publishing import publish_app
from tests.statements import recorded_statements

TOLD = {"on": "submitted", "to": ["practice_manager"], "template": "A reading came in."}


@pytest.fixture
def fridge(db_session: Session, orgs) -> App:
    raw: dict[str, Any] = load_example("fridge_log") | {"notifications": [TOLD]}
    return publish_app(db_session, raw, [orgs["QWE"]])


def built(session: Session, fridge: App, orgs, actor: User) -> Record:
    """A draft's object as :func:`new_record` makes it, in no session yet."""
    definition = app_definition(session, fridge)
    return new_record(
        fridge,
        orgs["A00001"],
        definition,
        {"reading": 4.5},
        status="draft",
        actor=actor,
        period=None,
        slot=None,
        now=datetime.now(UTC),
    )


def draft(session: Session, fridge: App, orgs, staff: User) -> Record:
    """A draft stored the usual way (:func:`create_record`)."""
    data = {"reading": 4.5}
    return create_record(session, Access(staff), fridge, orgs["A00001"], data, actor=staff)


@pytest.mark.parametrize("submit", [True, False], ids=["submitted at once", "draft"])
def test_what_a_new_record_knows_costs_no_statement(
    db_session: Session, users, orgs, fridge: App, submit: bool
) -> None:
    staff, practice = users["practice_staff"], orgs["A00001"]
    email = staff.email
    record = create_record(
        db_session, Access(staff), fridge, practice, {"reading": 4.5}, submit=submit, actor=staff
    )
    with recorded_statements(db_session) as seen:
        assert record.organisation is practice
        assert record.created_by is staff and record.updated_by is staff
        assert list(record.channel_items) == []
        answer = record_json(record)
    assert seen == []
    assert answer["org"] == "A00001" and answer["created_by"] == email
    assert answer["status"] == ("submitted" if submit else "draft")


def test_a_draft_stores_its_organisation_and_maker(
    db_session: Session, users, orgs, fridge: App
) -> None:
    staff = users["practice_staff"]
    record = draft(db_session, fridge, orgs, staff)
    db_session.commit()
    assert not inspect(record).modified  # nothing left unsaved
    db_session.expire_all()
    stored = db_session.get_one(Record, record.id)
    assert stored.organisation_id == orgs["A00001"].id
    assert (stored.created_by_id, stored.updated_by_id) == (staff.id, staff.id)
    assert stored.organisation.ods == "A00001" and stored.created_by is staff
    assert stored.channel_items == []


def test_an_item_added_to_its_known_channel_items_is_saved(
    db_session: Session, users, orgs, fridge: App
) -> None:
    """The channel items set as known are still a collection whose changes are saved."""
    staff = users["practice_staff"]
    record = draft(db_session, fridge, orgs, staff)
    item = ChannelItem(
        app_id=fridge.id,
        channel="to_la",
        stakeholder_id=orgs["LA001"].id,
        provider_id=orgs["A00001"].id,
    )
    record.channel_items.append(item)
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get_one(Record, record.id)
    assert [(i.id, i.record_id, i.channel) for i in stored.channel_items] == [
        (item.id, record.id, "to_la")
    ]


def test_a_maker_from_another_session_is_left_to_be_looked_up(
    db_session: Session, users, orgs, fridge: App
) -> None:
    """An actor another session holds is not brought into this one with the record."""
    staff = users["practice_staff"]
    with Session(db_session.get_bind()) as other:
        elsewhere = other.get_one(User, staff.id)
        record = built(db_session, fridge, orgs, elsewhere)
        db_session.add(record)
        db_session.flush()
        assert object_session(elsewhere) is other
    assert record.created_by_id == staff.id and record.created_by is staff


def test_a_maker_given_through_a_proxy_is_set_as_the_user_itself(
    db_session: Session, users, orgs, fridge: App
) -> None:
    """Views pass Flask-Login's ``current_user`` (a proxy): the record holds the user."""
    staff = users["practice_staff"]
    record = built(db_session, fridge, orgs, cast(User, LocalProxy(lambda: staff)))
    assert record.created_by is staff and record.updated_by is staff
