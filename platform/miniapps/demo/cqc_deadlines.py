"""The complaints and training story of the CQC demo: a year of complaints at the home
PCN's staffed practices in every state of their workflow, and a training record for
every course each of their people must hold.

Complaints (made-up, no names): most closed with their learning, one still a draft, one
just received, one whose acknowledgement is overdue, one acknowledged late, one past 6
months with a holding letter sent, others waiting for their final response or to be
closed. Each step is taken through the real services (so the checks hold: a discussion
offered, the Ombudsman named) and its audit entries are dated the day it happened, which
is what the deadlines read. Training: mostly in date, some due within 30 days, a few out
of date and one course never done. No emails are sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.channels.working_days import LONDON, add_working_days
from miniapps.core.records.deadlines import add_months
from miniapps.demo.compliance import CqcPeople
from miniapps.models import App, AuditEntry, Organisation, Record, User
from miniapps.services.channels.calendar import holidays
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.matrix import matrix_spec

COMPLAINTS, TRAINING = "cqc_complaints", "cqc_training"


@dataclass(frozen=True)
class Complaint:
    """A made-up complaint received ``days_ago``; ``ack`` working days later it was
    acknowledged (None: not yet), then each later step ``days`` after the one before."""

    days_ago: int
    category: str
    how: str
    who: str
    summary: str
    ack: int | None = 1
    holding: int | None = None  # days after receipt the holding letter went
    respond: int | None = None  # days after receipt the final response went
    outcome: str = "partly_upheld"
    close: int | None = None  # days after the response it was closed
    learning: str = ""
    submit: bool = True


STORY = (
    Complaint(0, "access", "telephone", "patient",
              "Could not get through on the phone at 8am for three days running.", ack=None,
              submit=False),
    Complaint(1, "prescriptions", "email", "relative_or_carer",
              "A repeat prescription was not ready on the day promised.", ack=None),
    Complaint(12, "attitude", "in_person", "patient",
              "Felt the receptionist was dismissive when asking about a test result.", ack=None),
    Complaint(230, "clinical_care", "letter", "representative",
              "Concern that a referral for a persistent cough was delayed.", ack=2, holding=178),
    Complaint(60, "communication", "online", "patient",
              "Was not told a blood test needed fasting and had to come back.", ack=1),
    Complaint(100, "administration", "letter", "patient",
              "A letter about another matter was sent to an old address.", ack=2, respond=35,
              outcome="upheld"),
    Complaint(45, "access", "online", "relative_or_carer",
              "No home visit offered for a housebound relative.", ack=3, respond=20, close=4,
              outcome="not_upheld",
              learning="The home visit criteria are now on the website and read to callers."),
    Complaint(120, "prescriptions", "telephone", "patient",
              "Medication changed after a hospital discharge without an explanation.", ack=1,
              respond=25, close=5,
              learning="Discharge medication changes are now explained by phone within a week."),
    Complaint(150, "attitude", "letter", "relative_or_carer",
              "A relative felt rushed during an appointment about a new diagnosis.", ack=5,
              respond=30, close=6, outcome="partly_upheld",
              learning="Longer appointments are offered for new diagnoses; acknowledgements "
                       "are now checked daily so none is late again."),
    Complaint(200, "premises", "in_person", "patient",
              "The accessible toilet was out of order for a week.", ack=1, respond=10, close=3,
              outcome="upheld", learning="Repairs to accessible facilities are now urgent."),
    Complaint(250, "communication", "email", "patient",
              "Test results were given by text message without context.", ack=2, respond=28,
              close=5, learning="Result messages now say what the result means and what next."),
    Complaint(290, "clinical_care", "via_nhs_england_or_icb", "representative",
              "A patient's family felt end of life care was not planned early enough.", ack=1,
              respond=40, close=7, outcome="partly_upheld",
              learning="Advance care planning is offered at the annual frailty review."),
    Complaint(330, "access", "telephone", "patient",
              "The online booking system showed no appointments for two weeks.", ack=2,
              respond=15, close=3, outcome="not_upheld",
              learning="Online slots are now released daily, not weekly."),
)  # fmt: skip


def load_deadlines(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
    """The complaints and training records of the home PCN's staffed practices; nothing
    when the app is not published or already holds records."""
    created: dict[str, int] = {}
    calendar = holidays(session)
    staffed = [p for p in people.practices if p.ods in people.staff and p.ods in people.managers]
    complaints = people.apps.get(COMPLAINTS)
    if complaints is not None and not _has_records(session, COMPLAINTS) and staffed:
        created[COMPLAINTS] = _load_complaints(session, complaints, people, staffed, today,
                                               calendar)  # fmt: skip
    training = people.apps.get(TRAINING)
    if training is not None and not _has_records(session, TRAINING) and staffed:
        created[TRAINING] = _load_training(session, training, people, staffed, today)
    return created


def _has_records(session: Session, app_id: str) -> bool:
    query = select(func.count()).select_from(Record).where(Record.app_id == app_id)
    return bool(session.scalar(query))


def _load_complaints(
    session: Session,
    app: App,
    people: CqcPeople,
    practices: list[Organisation],
    today: date,
    calendar: Collection[date],
) -> int:
    """The whole story at the home practice, its second half at the other staffed ones."""
    count = 0
    for index, org in enumerate(practices):
        stories = STORY if index == 0 else STORY[len(STORY) // 2 :]
        for story in stories:
            _complaint(session, app, people, org, story, today, calendar)
            count += 1
    return count


def _complaint(
    session: Session,
    app: App,
    people: CqcPeople,
    org: Organisation,
    story: Complaint,
    today: date,
    calendar: Collection[date],
) -> None:
    staff, manager = people.staff[org.ods][0], people.managers[org.ods]
    received = today - timedelta(days=story.days_ago)
    data = {
        "received_on": received.isoformat(),
        "how_received": story.how,
        "complainant": story.who,
        "category": story.category,
        "summary": story.summary,
    }
    with _dated(session, received, new=True) as mark:
        record = record_service.create_record(
            session, Access(staff), app, org, data, submit=story.submit, actor=staff
        )
        mark(record)
    if story.ack is None:
        return
    acknowledged = min(add_working_days(received, story.ack, calendar), today)
    _step(session, record, manager, "acknowledge", acknowledged,
          {"acknowledged_on": acknowledged.isoformat(), "discussion_offered": True})  # fmt: skip
    if story.holding is not None:
        sent = received + timedelta(days=story.holding)
        _step(session, record, manager, "send_holding_letter", sent,
              {"holding_letter_on": sent.isoformat()})  # fmt: skip
    if story.respond is None:
        return
    responded = received + timedelta(days=story.respond)
    _step(session, record, manager, "respond", responded,
          {"response_on": responded.isoformat(), "outcome": story.outcome,
           "ombudsman_named": True})  # fmt: skip
    if story.close is not None:
        _step(session, record, manager, "close", responded + timedelta(days=story.close),
              {"learning": story.learning})  # fmt: skip


def _step(
    session: Session, record: Record, actor: User, action: str, day: date, data: dict[str, Any]
) -> None:
    with _dated(session, day) as mark:
        record_service.apply_transition(
            session, Access(actor), record, action, comment=None, actor=actor, data=data
        )
        mark(record)


class _dated:
    """Date what a block does to a record at midday in London on ``day``: its new audit
    entries, when it was last changed and, for a new record, when it was made and
    submitted (the services stamp everything with the time of the load)."""

    def __init__(self, session: Session, day: date, *, new: bool = False) -> None:
        self.session = session
        self.moment = datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)
        self.new = new
        self.first_entry = 0
        self.record: Record | None = None

    def __enter__(self) -> Callable[[Record], None]:
        self.first_entry = (self.session.scalar(select(func.max(AuditEntry.id))) or 0) + 1
        return self._mark

    def _mark(self, record: Record) -> None:
        self.record = record

    def __exit__(self, *exc: object) -> None:
        record = self.record
        if record is None or exc[0] is not None:
            return
        self.session.flush()
        entries = select(AuditEntry).where(
            AuditEntry.record_id == record.id, AuditEntry.id >= self.first_entry
        )
        for entry in self.session.scalars(entries):
            entry.at = self.moment
        record.updated_at = self.moment
        if self.new:
            record.created_at = self.moment
            if record.submitted_at is not None:
                record.submitted_at = self.moment
        self.session.flush()


def _load_training(
    session: Session, app: App, people: CqcPeople, practices: list[Organisation], today: date
) -> int:
    """A completion of every course each person's role requires: mostly in date, about
    one in ten due within 30 days, one in twenty out of date, and one course never done
    (the home practice's last staff member has no conflict resolution)."""
    spec = matrix_spec(app_definition(session, app))
    if spec is None:
        return 0
    count = 0
    for org in practices:
        manager = people.managers[org.ods]
        team = [(manager, "practice_manager")] + [
            (s, "practice_staff") for s in people.staff[org.ods]
        ]
        for i, (person, role) in enumerate(team):
            for j, course in enumerate(spec.required.get(role, ())):
                if (
                    org == practices[0]
                    and person == team[-1][0]
                    and course == "conflict_resolution"
                ):
                    continue  # the one course never done
                done = _completed_on(today, spec.refresh_months.get(course, 36), i * 7 + j * 3)
                _completion(session, app, org, manager, person, course, done)
                count += 1
    return count


def _completed_on(today: date, months: int, seed: int) -> date:
    """When a course was done: out of date for one seed in 20, due within 30 days for two,
    else in date with at least a month to spare."""
    expiry_day = add_months(today, -months)  # done on this day, it expires today
    kind = seed % 20
    if kind == 0:
        return expiry_day - timedelta(days=10 + seed % 50)  # out of date
    if kind in (1, 2):
        return expiry_day + timedelta(days=5 + seed % 20)  # expires within 30 days
    return min(expiry_day + timedelta(days=45 + (seed * 13) % 200), today)


def _completion(
    session: Session,
    app: App,
    org: Organisation,
    actor: User,
    person: User,
    course: str,
    day: date,
) -> None:
    data = {"person": person.email, "course": course, "completed_on": day.isoformat(),
            "provider": "e-Learning for Healthcare"}  # fmt: skip
    with _dated(session, day, new=True) as mark:
        record = record_service.create_record(
            session, Access(actor), app, org, data, submit=True, actor=actor
        )
        mark(record)
