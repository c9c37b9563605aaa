"""A new record submitted at once goes in already submitted (one insert) only when
nothing would see its draft, and stores exactly what the long way (insert the draft,
then take the submit step) stores: the same row, audit entries and emails."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.workflow import Workflow
from miniapps.models import App, AuditEntry, OutboxMessage, Record
from miniapps.services.permissions import Access
from miniapps.services.records.direct_submit import direct_submit
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app
from tests.sample_definitions import PEER_REVIEW
from tests.sample_workflows import CASE_LOG

BASE_URL = "https://miniapps.example.nhs.uk"
TOLD = {"on": "submitted", "to": ["practice_manager"], "template": "A reading came in."}
# A "created" email whose condition never holds: it sends nothing, but makes the app's
# submits take the long way (the draft's "created" emails name its state).
NEVER: dict[str, Any] = {"not": {}}  # no data matches
SILENT_CREATED = {"on": "created", "to": ["practice_manager"], "when": NEVER}


def fridge(**changes: Any) -> dict[str, Any]:
    return load_example("fridge_log") | {"notifications": [TOLD]} | changes


def decision(raw: dict[str, Any], data: Any, slot: str | None = None) -> str | None:
    definition = AppDefinition(raw)
    found = direct_submit(definition, Workflow(definition.workflow), data, slot)
    return found.action if found is not None else None


def test_a_plain_submit_goes_in_submitted() -> None:
    assert decision(fridge(), {"reading": 4.5}) == "submit"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"channels": [{"id": "to_icb"}]}, "channels send the new record on 'created'"),
        ({"follow_ups": {"from": "/actions"}}, "follow-up actions are made on submission"),
        ({"unique": [{"fields": ["/reading"]}]}, "unique keys tell a new record by version 1"),
        ({"notifications": [TOLD, SILENT_CREATED]}, "'created' emails name the draft's state"),
    ],
)
def test_the_long_way_when_something_acts_on_the_draft(changes: dict[str, Any], why: str) -> None:
    assert decision(fridge(**changes), {"reading": 4.5}) is None, why


def test_the_long_way_for_a_period_slot() -> None:
    assert decision(fridge(), {"reading": 4.5}, slot="2025-04") is None


def test_the_long_way_when_the_step_would_be_refused() -> None:
    raw = copy.deepcopy(CASE_LOG)
    raw["workflow"]["states"]["open"]["requires_fields"] = ["/outcome"]
    assert decision(raw, {"summary": "s"}) is None  # refused the long way, as before
    assert decision(raw, {"summary": "s", "outcome": "o"}) == "submit"


def test_the_long_way_without_a_submit_step() -> None:
    logged = {"initial": "logged", "states": {"logged": {"title": "Logged"}}, "transitions": []}
    raw = fridge(workflow=logged)
    assert decision(raw, {"reading": 4.5}) is None


def _stored(session: Session, app: App, record_id: int) -> dict[str, Any]:
    """What a submit left in the database, with the app's id taken out of it."""
    session.expire_all()
    record = session.get_one(Record, record_id)
    columns = ["app_version", "organisation_id", "subject_id", "period", "period_slot"]
    columns += ["superseded", "data", "status", "version", "created_by_id", "updated_by_id"]
    row = {name: getattr(record, name) for name in columns}
    row["submitted_at is updated_at"] = record.submitted_at == record.updated_at
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.id)
    )
    row["audit"] = [(e.action, e.actor_id, e.app_id == app.id, e.changes) for e in entries]
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    row["emails"] = [
        (m.to_address, m.to_user_id, m.subject, _neutral(m.body_text, app, record_id), m.status)
        for m in messages
        if f"/records/{record_id}" in m.body_text
    ]
    return row


def _neutral(text: str, app: App, record_id: int) -> str:
    return text.replace(f"/apps/{app.id}/records/{record_id}", "/apps/APP/records/ID")


PEER_REVIEW_TOLD = PEER_REVIEW | {"notifications": [TOLD]}


@pytest.mark.parametrize(
    ("raw", "data"),
    [
        (fridge(), {"reading": 4.5}),
        (PEER_REVIEW_TOLD, {"practice": "A00002"}),  # about another practice: its subject set
    ],
    ids=["fridge log", "peer review"],
)
def test_both_ways_store_the_same(
    db_session: Session, users, orgs, raw: dict[str, Any], data: dict[str, Any]
) -> None:
    direct = publish_app(db_session, raw | {"id": "direct"}, [orgs["QWE"]])
    long_way = publish_app(
        db_session,
        raw | {"id": "long_way", "notifications": [TOLD, SILENT_CREATED]},
        [orgs["QWE"]],
    )
    staff = users["practice_staff"]
    stored = []
    for app in (direct, long_way):
        record = create_record(
            db_session,
            Access(staff),
            app,
            orgs["A00001"],
            data,
            submit=True,
            actor=staff,
            notify_base_url=BASE_URL,
        )
        assert record.status == "submitted"
        db_session.commit()
        stored.append(_stored(db_session, app, record.id))
    assert stored[0] == stored[1]
    assert stored[0]["version"] == 2 and stored[0]["status"] == "submitted"
    assert (stored[0]["subject_id"] == orgs["A00002"].id) == ("subject" in raw)
    assert [action for action, *_ in stored[0]["audit"]] == ["create", "submit"]
    assert stored[0]["emails"]  # the definition's email to the practice manager
