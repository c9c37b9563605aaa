"""The demo's app studio drafts: the home PCN's manager is building a "Staff wellbeing
check" (a question shown only after a "yes", a repeating section of courses), with a few
saves of history to go back to; the adult safeguarding officer is changing their own
collection (the care home readiness return) for its next version.

Loading again adds nothing once a draft of that app exists for that organisation.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import validate_definition
from miniapps.demo.users import DEMO_LA, DemoFocus
from miniapps.models import App, Membership, Organisation, StudioDraft, User
from miniapps.services.permissions import Access
from miniapps.services.studio.drafts import (
    current_definition,
    draft_from_app,
    home_organisation,
    save_draft,
    start_draft,
)

WELLBEING_ID = "staff_wellbeing_check"
READINESS_ID = "care_home_readiness"


def wellbeing_saves() -> list[tuple[str, dict[str, Any]]]:
    """The wellbeing draft as its author built it, save by save (each a valid definition)."""
    first: dict[str, Any] = {
        "id": WELLBEING_ID,
        "title": "Staff wellbeing check",
        "version": 1,
        "description": "A short quarterly check on how the practice team is doing.",
        "schema": {
            "type": "object",
            "required": ["staff_count", "wellbeing_lead"],
            "properties": {
                "staff_count": {
                    "type": "integer",
                    "title": "People working at the practice",
                    "minimum": 0,
                    "maximum": 500,
                },
                "wellbeing_lead": {"type": "boolean", "title": "Has a wellbeing lead"},
            },
        },
        "period": {"frequency": "quarterly", "due_day": 15, "owed_by": {"types": ["practice"]}},
    }
    second = copy.deepcopy(first)
    props = second["schema"]["properties"]
    props["lead_name"] = {"type": "string", "title": "Name of the wellbeing lead", "maxLength": 200}
    second["ui"] = {
        "fields": {
            "/lead_name": {
                "show_if": {
                    "required": ["wellbeing_lead"],
                    "properties": {"wellbeing_lead": {"const": True}},
                }
            }
        }
    }
    third = copy.deepcopy(second)
    third["schema"]["properties"]["courses"] = {
        "type": "array",
        "title": "Wellbeing courses attended",
        "items": {
            "type": "object",
            "required": ["course_name"],
            "properties": {
                "course_name": {"type": "string", "title": "Course", "maxLength": 200},
                "attended_on": {"type": "string", "format": "date", "title": "Attended on"},
            },
        },
    }
    return [
        ("Started a new app", first),
        (
            "Added the question “Name of the wellbeing lead”, shown when “Has a wellbeing lead” "
            "is “Yes”",
            second,
        ),
        ("Added the repeating section “Wellbeing courses attended”", third),
    ]


def load_studio_drafts(
    session: Session, focus: DemoFocus, *, officer_ods: str = DEMO_LA
) -> list[str]:
    """Make the demo's drafts (once); report lines for the loader. ``officer_ods``: the
    stakeholder organisation whose first user changes their collection."""
    lines: list[str] = []
    manager = focus.approvers.get(focus.pcn)
    if manager is not None and _wellbeing_draft(session, manager):
        lines.append(f"studio draft {WELLBEING_ID} for {manager.email}")
    officer = _stakeholder_user(session, officer_ods)
    readiness = session.get(App, READINESS_ID)
    if (
        officer is not None
        and readiness is not None
        and _readiness_draft(session, officer, readiness)
    ):
        lines.append(
            f"studio draft {READINESS_ID} v{readiness.latest_version + 1} for {officer.email}"
        )
    return lines


def _wellbeing_draft(session: Session, manager: User) -> bool:
    access = Access(manager)
    home = home_organisation(access)
    if _has_draft(session, WELLBEING_ID, home):
        return False
    saves = wellbeing_saves()
    for _summary, raw in saves:
        validate_definition(raw)  # the studio writes nothing the validator would refuse
    summary, raw = saves[0]
    draft = start_draft(session, access, manager, raw, summary)
    for summary, raw in saves[1:]:
        save_draft(session, draft, manager, raw, expected_revision=draft.revision, summary=summary)
    return True


def _readiness_draft(session: Session, officer: User, app: App) -> bool:
    if _has_draft(session, READINESS_ID, app.owner):
        return False
    access = Access(officer)
    draft = draft_from_app(session, access, officer, app)
    if draft.revision > 1:
        return False
    raw = validate_definition(_readiness_changes(current_definition(draft))).raw
    save_draft(
        session,
        draft,
        officer,
        raw,
        expected_revision=draft.revision,
        summary="Added the question “Homes with a named GP clinical lead”",
    )
    return True


def _readiness_changes(raw: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    changed["schema"]["properties"]["homes_with_gp_lead"] = {
        "type": "integer",
        "title": "Homes with a named GP clinical lead",
        "minimum": 0,
        "maximum": 50,
    }
    return changed


def _has_draft(session: Session, app_id: str, org: Organisation | None) -> bool:
    query = select(StudioDraft.id).where(StudioDraft.app_id == app_id)
    query = query.where(
        StudioDraft.organisation_id == org.id
        if org is not None
        else StudioDraft.organisation_id.is_(None)
    )
    return session.scalars(query.limit(1)).first() is not None


def _stakeholder_user(session: Session, ods: str) -> User | None:
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Organisation.ods == ods, Membership.role == "stakeholder")
        .order_by(User.id)
    )
    return session.scalars(query.limit(1)).first()
