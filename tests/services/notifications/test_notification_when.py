"""Issue 14: a notification with ``when`` is queued only for records whose data matches
the condition (the ``show_if`` language): a fridge reading out of range tells the
practice manager, one in range tells nobody."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import OutboxMessage
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from sqlalchemy import select

from tests.publishing import publish_app

OUT_OF_RANGE = {
    "required": ["reading"],
    "properties": {"reading": {"not": {"minimum": 2, "maximum": 8}}},
}
CHECK: dict[str, Any] = {
    "id": "warm_fridge",
    "title": "Fridge check",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {"reading": {"type": "number", "title": "Reading"}},
    },
    "notifications": [
        {"on": "submitted", "to": ["practice_manager"], "when": OUT_OF_RANGE,
         "template": "Out of range"},
        {"on": "created", "to": ["practice_manager"], "when": {"required": ["reading"]}},
    ],
}  # fmt: skip


def emails_to(db_session, user) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to_address == user.email)
    return list(db_session.scalars(query.order_by(OutboxMessage.id)))


def log(db_session, users, orgs, app, data, submit=True):
    staff = users["practice_staff"]
    return lifecycle.create_record(
        db_session,
        Access(staff),
        app,
        orgs["A00001"],
        data,
        submit=submit,
        actor=staff,
        notify_base_url="http://localhost",
    )


def test_only_matching_records_are_notified(db_session, users, orgs):
    app = publish_app(db_session, CHECK, [orgs["QWE"]])
    manager = users["practice_manager"]
    log(db_session, users, orgs, app, {"reading": 5}, submit=False)  # created, with a reading
    assert [m.subject for m in emails_to(db_session, manager)] == [
        "Fridge check from North Surgery: started"
    ]
    log(db_session, users, orgs, app, {}, submit=False)  # created without one: no email
    log(db_session, users, orgs, app, {"reading": 5})  # in range: the built-in email only
    in_range = emails_to(db_session, manager)[-1]
    assert "Out of range" not in in_range.body_text
    record = log(db_session, users, orgs, app, {"reading": 9.5})
    out = emails_to(db_session, manager)[-1]
    assert "Out of range" in out.body_text and f"/records/{record.id}" in out.body_text


def test_when_must_name_fields_and_cannot_be_on_overdue():
    bad = {
        **CHECK,
        "period": {"frequency": "monthly"},
        "notifications": [
            {"on": "submitted", "to": ["practice_manager"], "when": {"required": ["temp"]}},
            {"on": "overdue", "to": ["practice_manager"], "when": OUT_OF_RANGE},
            {"on": "submitted", "to": ["practice_manager"], "when": {"format": "date"}},
        ],
    }
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(bad)
    found = {(i.pointer, i.message) for i in caught.value.issues}
    assert ("/notifications/0/when/required/0", "there is no field 'temp'") in found
    assert any(p == "/notifications/1/when" and "overdue" in m for p, m in found)
    assert any(p == "/notifications/2/when/format" for p, _ in found)
