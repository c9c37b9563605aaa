"""The peer review, risk register and significant events story of the CQC demo.

* **Risk register**: at each home practice with demo users, 8 to 12 risks spread over the
  5 by 5 heatmap (low to extreme), each with an owner, controls and a review date to come;
  two of them closed since, with the reason.
* **Peer review**: the home practice audited a neighbouring practice of its PCN; one item
  was not met (it became the audited practice's action), the audited practice answered
  and the auditors closed the audit. The neighbour's own audit of the home practice, sent
  last week, waits for its answer.
* **Significant events**: two or three analyses per staffed practice, one linked to the
  practice's newest patient safety incident of ``incident_reporting`` when there is one;
  most shared at a practice meeting, the newest not yet.

Made through the real services (every check holds) by the practices' demo people, and
dated back with a :class:`~miniapps.demo.timeline.Timeline`. All text is invented, with
roles instead of names: examples to adapt, not clinical or legal advice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.records.date_bounds import LONDON
from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_peer_data import CHECKLIST, EVENT_STORY, RISK_STORY
from miniapps.demo.timeline import Timeline
from miniapps.models import App, Organisation, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle

RISKS, PEER, EVENTS = "cqc_risk_register", "cqc_peer_review", "cqc_significant_events"
INCIDENTS = "incident_reporting"


def load_peer(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
    """The risk registers, peer reviews and significant events of the home PCN's staffed
    practices; for each app, nothing when it is not published or already holds records."""
    staffed = [p for p in people.practices if p.ods in people.managers]
    created: dict[str, int] = {}
    loaders = ((RISKS, _load_risks), (PEER, _load_peer_reviews), (EVENTS, _load_events))
    for app_id, load in loaders:
        app = people.apps.get(app_id)
        if app is not None and staffed and not _has_records(session, app_id):
            created[app_id] = load(session, app, people, staffed, today)
    return created


def _has_records(session: Session, app_id: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Record.app_id == app_id)))


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(11), tzinfo=LONDON).astimezone(UTC)


def _load_risks(
    session: Session, app: App, people: CqcPeople, staffed: list[Organisation], today: date
) -> int:
    made = 0
    for index, org in enumerate(staffed):
        manager = people.managers[org.ods]
        shown = RISK_STORY if index == 0 else RISK_STORY[index % 3 : index % 3 + 8]
        for number, risk in enumerate(shown):
            added = today - timedelta(days=300 - number * 20)
            data = {
                "title": risk.title,
                "description": risk.description,
                "category": risk.category,
                "likelihood": risk.likelihood,
                "impact": risk.impact,
                "owner": risk.owner,
                "controls": risk.controls,
                "review_date": (_real_today(today) + timedelta(days=20 + number * 25)).isoformat(),
            }
            timeline = Timeline()
            timeline.at(_moment(added))
            record = _create(session, app, manager, org, data, submit=True)
            if risk.closed is not None:
                timeline.at(_moment(added + timedelta(days=90)))
                _step(session, record, manager, "close", {"closing_note": risk.closed})
            timeline.apply(session, record)
            made += 1
    return made


def _load_peer_reviews(
    session: Session, app: App, people: CqcPeople, staffed: list[Organisation], today: date
) -> int:
    """The home practice audits a neighbour (answered and closed); a staffed neighbour's
    audit of the home practice waits for its answer."""
    home = people.practices[0]
    neighbours = [p for p in people.practices[1:] if p.active]
    if home.ods not in people.managers or not neighbours:
        return 0
    audited = next((p for p in neighbours if p.ods in people.managers), neighbours[0])
    visit = today - timedelta(days=60)
    checklist = [dict(item) for item in CHECKLIST]
    for item in checklist:
        if item["result"] != "met":
            item["due"] = (_real_today(today) + timedelta(days=45)).isoformat()
    data = {
        "audited_practice": audited.ods,
        "visit_date": visit.isoformat(),
        "auditors": "Practice manager and practice nurse lead",
        "checklist": checklist,
        "summary": "A well-run practice with a welcoming team. The emergency drugs check "
        "needs a named deputy, and screens must be locked when unattended.",
    }
    auditor = people.managers[home.ods]
    answerer = people.managers.get(audited.ods, people.pcn_manager)
    timeline = Timeline()
    timeline.at(_moment(visit + timedelta(days=2)))
    record = _create(session, app, auditor, home, data, submit=True)
    timeline.at(_moment(visit + timedelta(days=12)))
    response = (
        "Thank you for a helpful visit. The expired drugs were replaced the same day and "
        "the practice nurse lead now has a named deputy; screen locking is set to two minutes."
    )
    _step(session, record, answerer, "answer", {"response": response})
    timeline.at(_moment(visit + timedelta(days=15)))
    _step(session, record, auditor, "close", None)
    timeline.apply(session, record)
    made = 1
    if audited.ods in people.managers:
        back = today - timedelta(days=7)
        returned = {
            "audited_practice": home.ods,
            "visit_date": back.isoformat(),
            "auditors": "Practice manager",
            "checklist": [dict(item) for item in CHECKLIST[:2] + CHECKLIST[3:5]],
        }
        timeline = Timeline()
        timeline.at(_moment(back + timedelta(days=1)))
        other = _create(session, app, people.managers[audited.ods], audited, returned, True)
        timeline.apply(session, other)
        made += 1
    return made


def _load_events(
    session: Session, app: App, people: CqcPeople, staffed: list[Organisation], today: date
) -> int:
    made = 0
    for index, org in enumerate(staffed):
        manager = people.managers[org.ods]
        incident = _newest_incident(session, org)
        events = EVENT_STORY if index == 0 else EVENT_STORY[1:]
        for event in events:
            if event.link_incident and incident is None:
                continue
            happened = today - timedelta(days=event.days_ago)
            analysed = happened + timedelta(days=5)
            due = analysed + timedelta(days=30)
            data: dict[str, Any] = {
                "title": event.title,
                "event_date": happened.isoformat(),
                "what_happened": event.what_happened,
                "analysis": event.analysis,
                "learning": event.learning,
                "actions": [
                    {"action": action, "owner": owner, "due": due.isoformat()}
                    for action, owner in event.actions
                ],
            }
            if event.link_incident and incident is not None:
                data["incident"] = incident.id
            timeline = Timeline()
            timeline.at(_moment(min(analysed, today)))
            record = _create(session, app, manager, org, data, submit=True)
            if event.shared_after is not None:
                shared = min(analysed + timedelta(days=event.shared_after), today)
                timeline.at(_moment(shared))
                notes = "Whole-practice meeting: GPs, nurses, reception and administration."
                values = {"shared_on": shared.isoformat(), "meeting_notes": notes}
                _step(session, record, manager, "share", values)
            timeline.apply(session, record)
            made += 1
    return made


def _newest_incident(session: Session, org: Organisation) -> Record | None:
    """``org``'s newest submitted patient safety incident, if the incident app has one."""
    rows = session.scalars(
        select(Record)
        .where(
            Record.app_id == INCIDENTS,
            Record.organisation_id == org.id,
            Record.status != "draft",
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
    )
    return next((r for r in rows if r.data.get("kind") == "patient_safety"), None)


def _real_today(today: date) -> date:
    """The later of the story's day and the clock's: dates still to come (``x-not-past``)
    are checked against the clock."""
    return max(today, datetime.now(LONDON).date())


def _create(
    session: Session, app: App, user: User, org: Organisation, data: dict[str, Any], submit: bool
) -> Record:
    return lifecycle.create_record(session, Access(user), app, org, data, submit=submit, actor=user)


def _step(
    session: Session, record: Record, user: User, action: str, data: dict[str, Any] | None
) -> None:
    lifecycle.apply_transition(
        session, Access(user), record, action, comment=None, actor=user, data=data
    )
