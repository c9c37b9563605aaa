"""A channel app whose stakeholder decision fills in fields (transition ``fields``): the
safeguarding_concern example with an outcome and its reasons filled in by "decide".

``la_outcome`` is needed to decide (``requires_fields``); ``la_reasons`` is needed when
the outcome is "other" (a top-level if/then among the step's own fields). "decided" is
editable, so the practice may still change its own answers (never the decision) after it.
"""

from __future__ import annotations

from typing import Any

from miniapps.models import App, Organisation, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app

APP_ID = "concern_decisions"
OUTCOMES = [
    ("section_42_enquiry", "Section 42 enquiry"),
    ("no_further_action", "No further action"),
    ("other", "Other"),
]


def decision_definition() -> dict[str, Any]:
    raw = concern_definition()
    raw["id"] = APP_ID
    raw["title"] = "Concerns with decisions"
    raw["schema"]["properties"] |= {
        "la_outcome": {
            "title": "Outcome",
            "oneOf": [{"const": value, "title": title} for value, title in OUTCOMES],
        },
        "la_reasons": {"type": "string", "title": "Reasons", "maxLength": 200},
    }
    raw["schema"]["if"] = {
        "required": ["la_outcome"],
        "properties": {"la_outcome": {"const": "other"}},
    }
    raw["schema"]["then"] = {"required": ["la_reasons"]}
    raw["ui"]["fields"] |= {
        "/la_outcome": {"widget": "radios"},
        "/la_reasons": {"widget": "textarea", "rows": 3},
    }
    raw["workflow"]["states"]["decided"]["editable"] = True
    decide = next(t for t in raw["workflow"]["transitions"] if t["action"] == "decide")
    decide["fields"] = ["/la_outcome", "/la_reasons"]
    decide["requires_fields"] = ["/la_outcome"]
    decide["comment_required"] = False
    return raw


def publish_decision_app(session: Session, targets: list[Organisation]) -> App:
    return publish_app(session, decision_definition(), targets)


def send_concern(session: Session, app: App, staff: User, org: Organisation) -> Record:
    """An adult concern sent by ``staff`` to the LA (committed): "decide" is possible."""
    record = record_service.create_record(
        session,
        Access(staff),
        app,
        org,
        {"kind": "adult", "summary": "Bruising seen at a home visit"},
        submit=True,
        actor=staff,
    )
    session.commit()
    return record
