"""An incident-like app whose dashboard uses ``where``, ``group_by: "month"``,
``"aggregate": "items"`` and ``duration`` widgets, with records and audit entries at
fixed moments, so that every figure can be worked out by hand (see the tests).

Records (non-periodic; created one day before they were submitted)::

    R1 A00001 patient_safety severe  3 actions (1 done:false, 1 done:true, 1 without done)
       submitted 2026-01-10 09:00Z, closed 2026-01-15 09:00Z            5.0 days
    R2 A00001 patient_safety low     1 action done:false
       submitted 2026-01-31 23:30Z (January in London), closed 2026-02-03 09:30Z   2.4167
    R3 A00002 adult_safeguarding     no actions
       submitted 2026-03-31 23:30Z (April in London: BST), closed 2026-04-10 23:30Z  10.0
    R4 A00003 patient_safety moderate 2 actions done:false, in triage since 2026-04-03
       submitted 2026-04-02 12:00Z                                      open
    R5 A00003 child_safeguarding     submitted 2026-04-05 08:00Z, then "close" from
       submitted, which leads to withdrawn (final): never closed, not open
    R6 A00001 draft (never counted)
    R7 A00002 patient_safety none    1 action done:true
       submitted 2026-02-01 00:00Z, closed 2026-02-02 00:00Z (1.0), reopened 02-03,
       closed again 02-10 (the first time counts)
    R8 A00004 no answers             submitted 2026-02-15 10:00Z, still submitted: open
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from miniapps.models import App, AuditEntry, Organisation, Record
from sqlalchemy.orm import Session

from tests.publishing import publish_app

PATIENT_SAFETY = {"properties": {"kind": {"const": "patient_safety"}}, "required": ["kind"]}
SERIOUS = {  # not simple (anyOf): tested in Python
    "anyOf": [
        {"properties": {"harm": {"const": "severe"}}, "required": ["harm"]},
        {"properties": {"harm": {"const": "moderate"}}, "required": ["harm"]},
    ]
}
NOT_DONE = {"properties": {"done": {"const": False}}, "required": ["done"]}

WIDGETS: list[dict[str, Any]] = [
    {"id": "ps_total", "type": "metric", "title": "Patient safety", "where": PATIENT_SAFETY},
    {
        "id": "ps_loose",
        "type": "metric",
        "title": "Patient safety or unanswered",
        "where": {"properties": {"kind": {"const": "patient_safety"}}},
    },
    {"id": "serious", "type": "metric", "title": "Serious harm", "where": SERIOUS},
    {
        "id": "ps_month",
        "type": "metric",
        "title": "Patient safety this month",
        "where": PATIENT_SAFETY,
        "group_by": "month",
    },
    {
        "id": "harm_by_month",
        "type": "chart",
        "chart": "stacked_bar",
        "title": "Harm by month",
        "field": "/harm",
        "group_by": "month",
        "where": PATIENT_SAFETY,
    },
    {"id": "by_month", "type": "chart", "chart": "bar", "title": "Events", "group_by": "month"},
    {
        "id": "open_actions",
        "type": "metric",
        "title": "Open actions",
        "aggregate": "items",
        "field": "/actions",
        "item_where": NOT_DONE,
    },
    {
        "id": "open_actions_python",
        "type": "metric",
        "title": "Actions not done",
        "aggregate": "items",
        "field": "/actions",
        "item_where": {"not": {"properties": {"done": {"const": True}}, "required": ["done"]}},
    },
    {
        "id": "items_loose",
        "type": "metric",
        "title": "Actions not marked done",
        "aggregate": "items",
        "field": "/actions",
        "item_where": {"properties": {"done": {"const": False}}},
    },
    {
        "id": "actions_by_org",
        "type": "chart",
        "chart": "bar",
        "title": "Actions by organisation",
        "aggregate": "items",
        "field": "/actions",
        "group_by": "org",
    },
    {
        "id": "open_by_month",
        "type": "chart",
        "chart": "line",
        "title": "Open actions by month",
        "aggregate": "items",
        "field": "/actions",
        "item_where": NOT_DONE,
        "group_by": "month",
    },
    {
        "id": "serious_list",
        "type": "table",
        "title": "Serious events",
        "columns": ["/kind"],
        "where": SERIOUS,
        "group_by": "month",
    },
    {"id": "to_close", "type": "duration", "title": "Time to close", "to": "state:closed"},
    {
        "id": "to_close_by_month",
        "type": "duration",
        "title": "Time to close by month",
        "from": "created",
        "to": "state:closed",
        "group_by": "month",
    },
    {
        "id": "to_close_by_org",
        "type": "duration",
        "title": "Time to close by organisation",
        "to": "state:closed",
        "group_by": "org",
        "where": PATIENT_SAFETY,
    },
]

DEFINITION: dict[str, Any] = {
    "id": "incident_dash",
    "title": "Incident dashboard",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "kind": {
                "title": "Kind",
                "enum": ["patient_safety", "adult_safeguarding", "child_safeguarding"],
            },
            "harm": {
                "title": "Harm",
                "oneOf": [
                    {"const": "none", "title": "No harm"},
                    {"const": "low", "title": "Low"},
                    {"const": "moderate", "title": "Moderate"},
                    {"const": "severe", "title": "Severe"},
                ],
            },
            "actions": {
                "type": "array",
                "title": "Actions",
                "items": {
                    "type": "object",
                    "properties": {
                        "action": {"type": "string"},
                        "owner": {"type": "string"},
                        "done": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "workflow": {
        "initial": "draft",
        "states": {
            "draft": {"title": "Draft"},
            "submitted": {"title": "Submitted"},
            "triage": {"title": "Triage"},
            "closed": {"title": "Closed"},
            "withdrawn": {"title": "Withdrawn", "final": True},
        },
        "transitions": [
            {"action": "submit", "from": ["draft"], "to": "submitted"},
            {"action": "triage", "from": ["submitted"], "to": "triage"},
            {"action": "close", "from": ["triage"], "to": "closed"},
            {"action": "close", "from": ["submitted"], "to": "withdrawn"},
            {"action": "reopen", "from": ["closed"], "to": "triage"},
        ],
    },
    "dashboard": {"replace_automatic": True, "widgets": WIDGETS},
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (ods, status, data, submitted at, [(action, old, new, at)...])
RECORDS: list[tuple[str, str, dict[str, Any], str | None, list[tuple[str, str, str, str]]]] = [
    (
        "A00001",
        "closed",
        {
            "kind": "patient_safety",
            "harm": "severe",
            "actions": [{"action": "a", "done": False}, {"action": "b", "done": True}, {}],
        },
        "2026-01-10T09:00",
        [
            ("triage", "submitted", "triage", "2026-01-11T09:00"),
            ("close", "triage", "closed", "2026-01-15T09:00"),
        ],
    ),
    (
        "A00001",
        "closed",
        {"kind": "patient_safety", "harm": "low", "actions": [{"action": "d", "done": False}]},
        "2026-01-31T23:30",
        [
            ("triage", "submitted", "triage", "2026-02-01T10:00"),
            ("close", "triage", "closed", "2026-02-03T09:30"),
        ],
    ),
    (
        "A00002",
        "closed",
        {"kind": "adult_safeguarding", "actions": []},
        "2026-03-31T23:30",
        [
            ("triage", "submitted", "triage", "2026-04-01T09:00"),
            ("close", "triage", "closed", "2026-04-10T23:30"),
        ],
    ),
    (
        "A00003",
        "triage",
        {
            "kind": "patient_safety",
            "harm": "moderate",
            "actions": [{"action": "e", "done": False}, {"action": "f", "done": False}],
        },
        "2026-04-02T12:00",
        [("triage", "submitted", "triage", "2026-04-03T12:00")],
    ),
    (
        "A00003",
        "withdrawn",
        {"kind": "child_safeguarding"},
        "2026-04-05T08:00",
        [("close", "submitted", "withdrawn", "2026-04-06T08:00")],
    ),
    ("A00001", "draft", {"kind": "patient_safety", "actions": [{"done": False}]}, None, []),
    (
        "A00002",
        "closed",
        {"kind": "patient_safety", "harm": "none", "actions": [{"action": "g", "done": True}]},
        "2026-02-01T00:00",
        [
            ("close", "triage", "closed", "2026-02-02T00:00"),
            ("reopen", "closed", "triage", "2026-02-03T00:00"),
            ("close", "triage", "closed", "2026-02-10T00:00"),
        ],
    ),
    ("A00004", "submitted", {}, "2026-02-15T10:00", []),
]

# The open records' starts, for their ages: R4 and R8, submitted / created.
OPEN_SUBMITTED = [at("2026-04-02T12:00"), at("2026-02-15T10:00")]


def seed_incidents(session: Session, orgs: dict[str, Organisation]) -> App:
    """Publish :data:`DEFINITION` to the test ICB and store :data:`RECORDS` with their
    audit entries (an ``update`` entry each too, which never counts as a move)."""
    app = publish_app(session, DEFINITION, [orgs["QWE"]], commit=False)
    for ods, status, data, submitted, moves in RECORDS:
        sent = at(submitted) if submitted else at("2026-05-01T00:00")
        record = Record(
            app_id=DEFINITION["id"],
            app_version=1,
            organisation=orgs[ods],
            data=data,
            status=status,
            created_at=sent - timedelta(days=1),
            submitted_at=at(submitted) if submitted else None,
        )
        session.add(record)
        session.flush()
        entries = [("update", {"pointer": "/kind", "old": None, "new": "x"}, sent)]
        if submitted:
            entries.append(("submit", _status("draft", "submitted"), sent))
        entries += [(action, _status(old, new), at(when)) for action, old, new, when in moves]
        for action, change, moment in entries:
            session.add(
                AuditEntry(
                    record_id=record.id,
                    app_id=record.app_id,
                    action=action,
                    changes=[change],
                    at=moment,
                )
            )
    session.commit()
    return app


def _status(old: str, new: str) -> dict[str, Any]:
    return {"pointer": "/status", "old": old, "new": new}
