"""An event log with a shared-learning view and dates that must not be in the future
(plain data, never mutated; tests copy it before changing it), and records for the view.

draft --submit--> submitted --close--> closed (final). The view ``learning`` is for PCN
managers: closed patient safety events, showing the event type, the harm and the month
it happened, the learning summary where the reporter agreed to share it, counted by
event type and harm. The description, the reporter's name and the kind are never shown.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from miniapps.models import Record
from sqlalchemy.orm import Session

from tests.publishing import publish_app


def _choices(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"const": value, "title": title} for value, title in pairs]


EVENT_LOG: dict[str, Any] = {
    "id": "event_log",
    "title": "Event log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "type": "string",
                "title": "Kind of report",
                "oneOf": _choices(("patient_safety", "Patient safety"), ("other", "Other")),
            },
            "event_type": {
                "type": "string",
                "title": "Event type",
                "oneOf": _choices(
                    ("incident", "Incident"), ("risk", "Risk"), ("good_care", "Good care")
                ),
            },
            "harm": {
                "type": "string",
                "title": "Physical harm",
                "oneOf": _choices(
                    ("none", "No harm (5)"),
                    ("low", "Low harm (4)"),
                    ("moderate", "Moderate harm (3)"),
                ),
            },
            "occurred_at": {
                "type": "string",
                "format": "date-time",
                "title": "When it happened",
                "x-not-future": True,
            },
            "noticed_on": {
                "type": "string",
                "format": "date",
                "title": "Date noticed",
                "x-not-future": True,
            },
            "description": {"type": "string", "title": "What happened"},
            "reporter_name": {"type": "string", "title": "Your name"},
            "learning_summary": {"type": "string", "title": "Learning"},
            "share_learning": {"type": "boolean", "title": "Share the learning"},
            "actions": {
                "type": "array",
                "title": "Actions",
                "items": {
                    "type": "object",
                    "title": "Action",
                    "properties": {
                        "what": {"type": "string", "title": "Action"},
                        "done_on": {
                            "type": "string",
                            "format": "date",
                            "title": "Done on",
                            "x-not-future": True,
                        },
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
            "closed": {"title": "Closed", "final": True},
        },
        "transitions": [
            {"action": "submit", "from": ["draft"], "to": "submitted"},
            {"action": "close", "title": "Close", "from": ["submitted"], "to": "closed"},
        ],
    },
    "views": [
        {
            "id": "learning",
            "title": "Shared learning",
            "description": "Closed patient safety events of your PCN.",
            "roles": ["pcn_manager"],
            "when": {"properties": {"kind": {"const": "patient_safety"}}, "required": ["kind"]},
            "states": ["closed"],
            "fields": ["/event_type", "/harm", "/occurred_at"],
            "month_fields": ["/occurred_at"],
            "shared_text": {"field": "/learning_summary", "only_when": "/share_learning"},
            "themes": ["/event_type", "/harm"],
        }
    ],
}


def event_log() -> dict[str, Any]:
    """A fresh copy of :data:`EVENT_LOG`."""
    return copy.deepcopy(EVENT_LOG)


# Records for the view's tests: (ods, status, data). Every text a view must never show
# is marked with an upper-case word the tests look for.
SEEDED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "A00001",
        "closed",
        {
            "kind": "patient_safety",
            "event_type": "incident",
            "harm": "moderate",
            "occurred_at": "2026-03-31T23:30:00Z",  # 00:30 on 1 April in London
            "description": "SECRET description of Mrs Jones",
            "reporter_name": "Reporter ALPHA",
            "learning_summary": "Dry the floor after rain",
            "share_learning": True,
        },
    ),
    (
        "A00002",
        "closed",
        {
            "kind": "patient_safety",
            "event_type": "risk",
            "harm": "none",
            "occurred_at": "2026-02-10T10:00:00Z",
            "learning_summary": "NOTSHARED learning",
            "share_learning": False,
        },
    ),
    (
        "A00003",
        "closed",
        {
            "kind": "patient_safety",
            "event_type": "good_care",
            "harm": "low",
            "occurred_at": "2026-01-05T10:00:00Z",
            "learning_summary": "OTHERPCN learning",
            "share_learning": True,
        },
    ),
    (
        "A00001",
        "submitted",
        {
            "kind": "patient_safety",
            "event_type": "incident",
            "learning_summary": "OPENRECORD learning",
            "share_learning": True,
        },
    ),
    (
        "A00001",
        "closed",
        {"kind": "other", "learning_summary": "OTHERKIND learning", "share_learning": True},
    ),
]
NEVER_SHOWN = ("SECRET", "Mrs Jones", "ALPHA", "NOTSHARED", "OTHERPCN", "OPENRECORD", "OTHERKIND")


def seed_events(session: Session, orgs: dict[str, Any], reporter: Any) -> list[Record]:
    """Publish :data:`EVENT_LOG` to the test ICB and store :data:`SEEDED` as records made
    and submitted by ``reporter`` (committed); returns the records."""
    publish_app(session, event_log(), [orgs["QWE"]], commit=False)
    made = []
    for day, (ods, status, data) in enumerate(SEEDED, start=1):
        record = Record(
            app_id="event_log",
            app_version=1,
            organisation=orgs[ods],
            data=data,
            status=status,
            created_by=reporter,
            updated_by=reporter,
            submitted_at=datetime(2026, 4, day, 12, tzinfo=UTC),
        )
        session.add(record)
        made.append(record)
    session.commit()
    return made
