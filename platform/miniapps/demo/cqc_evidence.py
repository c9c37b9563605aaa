"""The evidence log's demo story: what the home practices logged as CQC evidence over
the past year (``apps/cqc_compliance``, the bundle's home app).

A dozen entries of the kinds practices really keep (patient survey results, Friends and
Family Test returns, staff meeting minutes, the ICB's quality visit feedback, audits and
walk-rounds), logged through the real service by the practice's staff or manager and
dated back with a :class:`~miniapps.demo.timeline.Timeline`, so the compliance view has
evidenced statements, key questions with gaps and some with none. Titles and summaries
are invented examples, not real practice results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.timeline import Timeline
from miniapps.models import Record, User
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record

APP_ID = "cqc_compliance"


@dataclass(frozen=True)
class Entry:
    title: str
    shows: str
    statements: tuple[str, ...]
    category: str
    days_ago: int  # logged this many days before today; the evidence dates a day earlier
    practice: int = 0  # index among the home practices with demo users (0: the home one)
    by: str = "manager"  # "manager" or "staff" (the practice's first staff member)
    location: str | None = None


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "Friends and Family Test results, January to March",
        "92% of 418 responses rated their experience good or very good. Comments praised "
        "reception staff; waits on the phone were the main complaint, which led to the "
        "call-back pilot.",
        ("kindness_compassion_and_dignity", "listening_to_and_involving_people"),
        "peoples_experience",
        days_ago=75,
    ),
    Entry(
        "GP Patient Survey: practice results and action plan",
        "Ease of getting through by phone was below the ICB average. The action plan adds "
        "online consultation cover at lunchtime and a review of the triage rota.",
        ("equity_in_access", "person_centred_care", "providing_information"),
        "peoples_experience",
        days_ago=160,
    ),
    Entry(
        "Practice meeting minutes: significant event review",
        "The team reviewed a delayed two-week-wait referral, agreed a daily referrals check "
        "and shared the learning with the PCN.",
        ("learning_culture", "safe_systems_pathways_and_transitions"),
        "feedback_from_staff_and_leaders",
        days_ago=21,
    ),
    Entry(
        "ICB primary care quality visit: partner feedback",
        "The ICB quality team found clear governance and an up-to-date risk register; it "
        "asked for a written business continuity test, now scheduled.",
        ("governance_management_and_sustainability", "shared_direction_and_culture"),
        "feedback_from_partners",
        days_ago=110,
    ),
    Entry(
        "Patient Participation Group meeting notes",
        "The group reviewed the new website and asked for clearer information on how to "
        "book longer appointments; the change was made the following week.",
        ("listening_to_and_involving_people", "partnerships_and_communities"),
        "peoples_experience",
        days_ago=48,
        by="staff",
    ),
    Entry(
        "Staff wellbeing survey and actions",
        "Most staff felt supported; protected learning time was the top request and is now "
        "on the rota once a month.",
        ("workforce_wellbeing_and_enablement", "freedom_to_speak_up"),
        "feedback_from_staff_and_leaders",
        days_ago=200,
    ),
    Entry(
        "Vaccine cold chain audit",
        "Both fridges were read and reset every working day; one excursion was handled "
        "by the protocol and recorded as a significant event.",
        ("medicines_optimisation", "safe_environments"),
        "processes",
        days_ago=35,
        by="staff",
        location="Shared drive: Governance / Audits / Cold chain",
    ),
    Entry(
        "Infection prevention and control walk-round",
        "The lead nurse observed hand hygiene, sharps bins and clinical waste in every "
        "room; two actions (a torn couch cover, an overfilled sharps bin) were closed "
        "within a week.",
        ("infection_prevention_and_control", "safe_environments"),
        "observation",
        days_ago=62,
        by="staff",
    ),
    Entry(
        "Antibiotic prescribing audit, second cycle",
        "Broad-spectrum prescribing fell from 11% to 8% after the first cycle's feedback "
        "to prescribers.",
        ("medicines_optimisation", "monitoring_and_improving_outcomes"),
        "outcomes",
        days_ago=140,
        practice=1,
    ),
    Entry(
        "Care home ward rounds: feedback from the community matron",
        "The matron reported that weekly ward rounds and shared care plans cut unplanned "
        "admissions from the home over the winter.",
        ("how_staff_teams_and_services_work_together", "care_provision_integration_and_continuity"),
        "feedback_from_partners",
        days_ago=90,
        practice=1,
    ),
    Entry(
        "Learning disability health checks: uptake review",
        "Annual health checks reached 81% of the register, with easy-read invitations "
        "and longer appointments for those who had not attended.",
        ("supporting_people_to_live_healthier_lives", "equity_in_experiences_and_outcomes"),
        "outcomes",
        days_ago=250,
        practice=1,
    ),
    Entry(
        "Safeguarding lead's quarterly case review",
        "The safeguarding lead reviewed open cases with the health visitor and checked "
        "that every child protection plan was coded.",
        ("safeguarding",),
        "processes",
        days_ago=28,
        practice=1,
        by="staff",
    ),
)


def load_evidence(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
    """Log :data:`ENTRIES` at the home practices with demo users; nothing when the log
    already holds records there. Answers ``{"cqc_compliance": records created}``."""
    app = people.apps.get(APP_ID)
    staffed = [org for org in people.practices if org.ods in people.managers]
    if app is None or not staffed:
        return {}
    held = session.scalar(
        select(func.count())
        .select_from(Record)
        .where(Record.app_id == APP_ID, Record.organisation_id.in_([o.id for o in staffed]))
    )
    if held:
        return {APP_ID: 0}
    made = 0
    for entry in ENTRIES:
        org = staffed[entry.practice % len(staffed)]
        author = _author(people, org.ods, entry.by)
        logged = datetime.combine(today - timedelta(days=entry.days_ago), time(11, 30), UTC)
        timeline = Timeline()
        timeline.at(logged)
        record = create_record(
            session,
            Access(author),
            app,
            org,
            _answers(entry, author, logged.date() - timedelta(days=1)),
            submit=True,
            actor=author,
        )
        timeline.apply(session, record)
        made += 1
    return {APP_ID: made}


def _author(people: CqcPeople, ods: str, by: str) -> User:
    staff = people.staff.get(ods) or []
    return staff[0] if by == "staff" and staff else people.managers[ods]


def _answers(entry: Entry, author: User, day: date) -> dict[str, object]:
    data: dict[str, object] = {
        "title": entry.title,
        "date": day.isoformat(),
        "shows": entry.shows,
        "statements": list(entry.statements),
        "category": entry.category,
        "owner": author.name,
    }
    if entry.location:
        data["location"] = entry.location
    return data
