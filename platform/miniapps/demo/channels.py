"""The demo's channels: stakeholder teams with a category and an area, the safeguarding
and quality concern app (``demo_data/safeguarding_concern.json``, the example of
``docs/examples``) published to the ICB, and concerns in every state of its workflow.

The Merton teams cover the Place of the home practice (Stonecot Surgery, H85076, when
the pilot file names it), the ICB quality team the whole ICB. Every concern is made the
way practices and teams make them (:func:`create_record`, :func:`apply_transition`, with
the :class:`Access` of demo users), then dated over the last fortnight
(:class:`~miniapps.demo.timeline.Timeline`): a concern sent eight days ago and never
acknowledged is past its deadline, so the scheduler marks the breach on its first run.
Loading again adds nothing once the app has records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import IncompatibleChange
from miniapps.demo.timeline import Timeline
from miniapps.demo.users import DEMO_ICB, DEMO_ICB_QUALITY, DEMO_LA, DEMO_LA_CHILDREN
from miniapps.models import App, Organisation, User
from miniapps.services import apps as app_service
from miniapps.services.organisations import OrgRow
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition, count_records, create_record

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
CONCERN_FILE = DEMO_DATA / "safeguarding_concern.json"
HOME_PRACTICE = "H85076"  # Stonecot Surgery: the demo practice manager's


def stakeholder_rows(pilot: dict[str, Any], place_of: dict[str, str]) -> list[OrgRow]:
    """The demo's stakeholder teams. ``place_of`` maps a pilot Place's name to its code;
    the Merton teams' area is the Place of :data:`HOME_PRACTICE` (else the first Place)."""
    home = next((p["place"] for p in pilot["practices"] if p["ods"] == HOME_PRACTICE), None)
    place = place_of.get(home or "") or next(iter(place_of.values()))
    name = home or "Local Authority"
    return [
        OrgRow(DEMO_LA, f"Demo {name} Adult Safeguarding Team", "stakeholder", place, True,
               category="la_adult_safeguarding"),
        OrgRow(DEMO_LA_CHILDREN, f"Demo {name} Children's Safeguarding (MASH)", "stakeholder",
               place, True, category="la_children_safeguarding"),
        OrgRow(DEMO_ICB_QUALITY, "Demo ICB Quality Team", "stakeholder", DEMO_ICB, True,
               category="icb_quality"),
    ]  # fmt: skip


@dataclass(frozen=True)
class Step:
    action: str
    hours_ago: float
    comment: str | None = None
    by_stakeholder: bool = True  # else the practice manager


@dataclass(frozen=True)
class Concern:
    kind: str  # adult, child or quality: the channel
    summary: str
    sent_hours_ago: float
    steps: tuple[Step, ...] = ()
    urgent: bool = False
    local: bool = True  # from a practice of the Merton area (else elsewhere in the ICB)


QUESTION = "Is the person aware you have raised this, and do they have capacity to consent?"
ANSWER = "Yes: discussed at the visit on Monday; they have capacity and agreed to the referral."
CONCERNS = (
    Concern("adult", "Carer reports unexplained bruising on an older patient at a home visit", 3),
    Concern("adult", "Patient with dementia left without a carer for two days", 30,
            (Step("acknowledge", 27),)),
    Concern("adult", "Concerns about a patient's finances raised by a neighbour", 28,
            (Step("request_info", 24, QUESTION),)),
    Concern("adult", "Self-neglect: a patient refusing care and food deliveries", 100,
            (Step("request_info", 96, QUESTION),
             Step("respond", 75, ANSWER, by_stakeholder=False),
             Step("decide", 20, "Section 42 enquiry opened; social worker allocated."))),
    Concern("adult", "Domestic abuse disclosed at a chronic disease review", 300,
            (Step("acknowledge", 298),
             Step("decide", 250, "Referred to MARAC; safety plan agreed with the patient."),
             Step("close", 245))),
    Concern("adult", "Care home resident with pressure ulcers not reported by the home", 8 * 24),
    Concern("adult", "Patient at immediate risk from a family member", 5, urgent=True,
            steps=(Step("acknowledge", 4.5),)),
    Concern("child", "Missed immunisations and a parent not engaging with the health visitor",
            6),
    Concern("quality", "Repeated delays discharging patients from the local hospital", 7,
            local=False),
    Concern("quality", "Care home not following medicines guidance after hospital discharge",
            50, (Step("acknowledge", 46),), local=False),
)  # fmt: skip


@dataclass(frozen=True)
class Practice:
    org: Organisation
    staff: User  # sends
    manager: User  # answers


def publish_concern_app(
    session: Session, icb: Organisation, admin: User, since: date, report_apps: list[str]
) -> App | None:
    """The concern app, published to the ICB (kept as it is when a newer version is)."""
    definition = validate_definition(json.loads(CONCERN_FILE.read_text(encoding="utf-8")))
    try:
        published = app_service.publish(session, definition, [icb], admin, targeted_from=since)
    except IncompatibleChange:
        app = session.get(App, definition.id)
        report_apps.append(f"kept {definition.id} v{app.latest_version if app else '?'}")
        return app
    verb = "published" if published.created else "unchanged"
    report_apps.append(f"{verb} {definition.label} (channel app)")
    return published.app


def load_concerns(
    session: Session,
    app: App,
    local: list[Practice],
    elsewhere: list[Practice],
    teams: dict[str, User],
    now: datetime | None = None,
) -> int:
    """Make :data:`CONCERNS` (none once the app has records); returns how many were made.
    ``teams`` maps each channel kind (adult, child, quality) to the team's demo user."""
    if count_records(session, app.id) or not local:
        return 0
    now = now or datetime.now(UTC)
    made = 0
    for number, concern in enumerate(CONCERNS):
        choices = local if concern.local or not elsewhere else elsewhere
        practice = choices[number % len(choices)]
        timeline = Timeline()
        timeline.at(now - timedelta(hours=concern.sent_hours_ago))
        data = {"kind": concern.kind, "summary": concern.summary, "urgent": concern.urgent}
        data["reference"] = f"DEMO-{number + 1:03d}"
        staff = practice.staff
        record = create_record(
            session, Access(staff), app, practice.org, data, submit=True, actor=staff
        )
        for step in concern.steps:
            timeline.at(now - timedelta(hours=step.hours_ago))
            actor = teams[concern.kind] if step.by_stakeholder else practice.manager
            apply_transition(
                session, Access(actor), record, step.action, comment=step.comment, actor=actor
            )
        timeline.apply(session, record)
        made += 1
    return made
