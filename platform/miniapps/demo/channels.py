"""The demo's channels: stakeholder teams with a category and an area, and the incident
and safeguarding app (``apps/incident_reporting``, published with the bundled apps) with
patient safety events and safeguarding referrals in every state
(:mod:`miniapps.demo.incident_stories`).

The Merton teams cover the Place of the home practice (Stonecot Surgery, H85076, when
the pilot file names it), the ICB quality team the whole ICB. Every record is made the
way practices and teams make them (:func:`create_record`, :func:`update_record`,
:func:`apply_transition`, with the :class:`Access` of demo users), then dated over the
last months (:class:`~miniapps.demo.timeline.Timeline`) on working days, so every clock
is met but one: a referral sent eight working days ago and never acknowledged is past
its deadline, and the scheduler marks the breach on its first run. Loading again adds
nothing once the app has records.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.channels.working_days import LONDON, is_working_day
from miniapps.demo.incident_stories import STORIES, Step, Story, When
from miniapps.demo.timeline import Timeline
from miniapps.demo.users import DEMO_ICB, DEMO_ICB_QUALITY, DEMO_LA, DEMO_LA_CHILDREN
from miniapps.models import App, Organisation, Record, User
from miniapps.services.channels.calendar import holidays
from miniapps.services.organisations import OrgRow
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import (
    apply_transition,
    count_records,
    create_record,
    update_record,
)

INCIDENT_APP = "incident_reporting"
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
class Practice:
    org: Organisation
    staff: User  # reports, answers the team's questions
    manager: User  # the practice lead: reviews, sends, works the learning response


@dataclass(frozen=True)
class Reporters:
    """Who reports: practices of the home PCN (patient safety events), of the teams' area
    (referrals) and elsewhere in the ICB (an event for the ICB quality team)."""

    home: list[Practice]
    local: list[Practice]
    elsewhere: list[Practice]

    def pick(self, where: str, number: int) -> Practice:
        """The ``number``-th reporter of ``where`` (in turn); "practice" is the home
        practice, the first of the home PCN's."""
        choices = {"practice": self.home[:1], "home": self.home, "local": self.local,
                   "elsewhere": self.elsewhere}[where] or self.home or self.local  # fmt: skip
        return choices[number % len(choices)]


class Clock:
    """Moments on working days (London) before ``now``."""

    def __init__(self, now: datetime, calendar: Collection[date]) -> None:
        self.now = now
        self.calendar = calendar

    def __call__(self, when: When) -> datetime:
        today = self.now.astimezone(LONDON).date()
        midnight = datetime.combine(today, time(0), tzinfo=LONDON).astimezone(UTC)
        if when.days == 0:
            return midnight + (self.now - midnight) * when.at
        day, left = today, when.days
        while left:
            day -= timedelta(days=1)
            left -= is_working_day(day, self.calendar)
        hours = timedelta(hours=when.at)
        return (datetime.combine(day, time(0), tzinfo=LONDON) + hours).astimezone(UTC)


def load_incidents(
    session: Session,
    app: App,
    reporters: Reporters,
    teams: dict[str, User],
    now: datetime | None = None,
) -> int:
    """Make :data:`STORIES` (none once the app has records); returns how many were made.
    ``teams`` maps each referral kind (adult_safeguarding, child_safeguarding) to the
    receiving team's demo user."""
    if count_records(session, app.id) or not (reporters.home or reporters.local):
        return 0
    clock = Clock(now or datetime.now(UTC), holidays(session))
    made = 0
    for number, story in enumerate(STORIES):
        practice = reporters.pick(story.where, number)
        timeline = Timeline()
        record = _report(session, app, practice, story, clock(story.reported), timeline)
        for step in story.steps:
            moment = clock(step.when)
            timeline.at(moment)
            _take(session, record, practice, teams, step, moment)
        timeline.apply(session, record)
        made += 1
    return made


def _report(
    session: Session,
    app: App,
    practice: Practice,
    story: Story,
    reported: datetime,
    timeline: Timeline,
) -> Record:
    """The story's record, made by the practice's nurse at ``reported``."""
    timeline.at(reported)
    data = dict(story.data)
    if data["kind"] == "patient_safety":
        data.setdefault("occurred_at", _stamp(reported - timedelta(hours=3)))
    if data.get("immediate_risk"):
        data.setdefault("emergency_called_at", _stamp(reported - timedelta(minutes=40)))
    staff = practice.staff
    return create_record(
        session, Access(staff), app, practice.org, data, submit=story.submit, actor=staff
    )


def _take(
    session: Session,
    record: Record,
    practice: Practice,
    teams: dict[str, User],
    step: Step,
    moment: datetime,
) -> None:
    """One step of a story, meant to happen at ``moment`` (the timeline dates it)."""
    actor = {"staff": practice.staff, "lead": practice.manager}.get(step.by)
    actor = actor or teams[record.data["kind"]]
    if step.action == "save":
        data = {**record.data, **_dated(step.edit, moment)}
        update_record(
            session, Access(actor), record, data, expected_version=record.version, actor=actor
        )
    else:
        apply_transition(
            session,
            Access(actor),
            record,
            step.action,
            comment=step.comment,
            actor=actor,
            data=step.data,
        )


def _dated(edit: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """``edit`` with each action's due date (days after ``moment``) as a date."""
    actions = edit.get("actions")
    if not isinstance(actions, list):
        return edit
    day = moment.astimezone(LONDON).date()
    return {
        **edit,
        "actions": [
            {**a, "due_date": (day + timedelta(days=a["due_date"])).isoformat()}
            if isinstance(a.get("due_date"), int)
            else a
            for a in actions
        ],
    }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
