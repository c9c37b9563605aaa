"""The policy library's demo story (``cqc_policies``): the home PCN's manager publishes
the starter policies written for this project (``apps/cqc_compliance/data/policies/``,
each an example to adapt, not clinical or legal advice), the home practices adopt them
and their staff read and sign, so every library view has something to show:

- the infection prevention and control policy has two versions; one practice has not
  adopted the second yet (past its date), the other has;
- the business continuity plan's review falls due within 30 days, the fire safety
  policy's review is overdue;
- the home practice adopted the chaperone policy with a local change and its reason;
- read-and-sign is above 95 % at the home practice and well below at the other.

Everything goes through the real services, dated back by passing their ``now``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.config import REPO_ROOT
from miniapps.demo.compliance import CqcPeople
from miniapps.demo.timeline import Timeline
from miniapps.models import App, Organisation, Record, User
from miniapps.services.documents import adoption, library, signing
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.lifecycle import create_record

APP_ID = "cqc_policies"
POLICIES_DIR = REPO_ROOT / "apps" / "cqc_compliance" / "data" / "policies"
# Days before today each starter policy was first published (by file); the rest follow.
PUBLISHED_DAYS_AGO = {
    "fire_safety.md": 400,  # 12-month review: overdue
    "business_continuity.md": 345,  # 12-month review: due within 30 days
    "infection_prevention_and_control.md": 220,  # and a second version 40 days ago
}
SECOND_VERSION_DAYS_AGO = 40
LOCAL_CHANGE = {
    "chaperone.md": (
        "\n\nAt this practice\nOur chaperones are the practice nurses and two receptionists "
        "trained as chaperones; the rota on the staff noticeboard says who is on each session.",
        "Only some of our reception team are trained chaperones, so staff need to know who to ask.",
    )
}
# Share of signers who sign each adopted version, by the index of the practice.
SIGN_SHARE = (1.0, 0.6)


@dataclass(frozen=True)
class Starter:
    file: str
    title: str
    category: str
    owner: str
    statements: list[str]
    review_months: int
    sign_roles: list[str]
    body: str


def starters(directory: Path = POLICIES_DIR) -> list[Starter]:
    """The starter policies, in the order of their index."""
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return [
        Starter(
            entry["file"],
            entry["title"],
            entry["category"],
            entry["owner"],
            list(entry["statements"]),
            int(entry["review_months"]),
            list(entry.get("sign_roles") or []),
            (directory / entry["file"]).read_text(encoding="utf-8").strip(),
        )
        for entry in index["documents"]
    ]


def load_documents(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
    """Publish, adopt and sign the starter policies; nothing when the home PCN keeps
    documents already. Answers ``{"cqc_policies": documents created}``."""
    app = people.apps.get(APP_ID)
    if app is None:
        return {}
    held = session.scalar(
        select(func.count())
        .select_from(Record)
        .where(Record.app_id == APP_ID, Record.organisation_id == people.pcn.id)
    )
    if held:
        return {APP_ID: 0}
    staffed = [org for org in people.practices if org.ods in people.managers][: len(SIGN_SHARE)]
    chance = random.Random(14)
    made = 0
    for position, starter in enumerate(starters()):
        days_ago = PUBLISHED_DAYS_AGO.get(starter.file, 30 + 19 * position)
        published = _moment(today, days_ago)
        record = _document(session, people, app, starter, published - timedelta(days=2))
        _version(session, people, app, record, starter.body, "First version", published)
        for index, practice in enumerate(staffed):
            local = LOCAL_CHANGE.get(starter.file) if index == 0 else None
            adopted = published + timedelta(days=3 + 2 * index)
            _adopt(session, people, app, record, 1, practice, adopted, starter.body, local)
            _sign(session, people, app, record, 1, practice, adopted, SIGN_SHARE[index], chance)
        if starter.file == "infection_prevention_and_control.md":
            second = _moment(today, SECOND_VERSION_DAYS_AGO)
            body = starter.body.replace(
                "- Segregate clinical waste",
                "- Bare below the elbow for every clinical contact.\n- Segregate clinical waste",
            )
            _version(session, people, app, record, body, "Bare below the elbow", second)
            home = staffed[0] if staffed else None  # re-adopts; the other does not, yet
            if home is not None:
                again = second + timedelta(days=4)
                _adopt(session, people, app, record, 2, home, again, body, None)
                _sign(session, people, app, record, 2, home, again, SIGN_SHARE[0], chance)
        made += 1
    return {APP_ID: made}


def _moment(today: date, days_ago: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(10, 0), UTC)


def _document(
    session: Session, people: CqcPeople, app: App, starter: Starter, at: datetime
) -> Record:
    data: dict[str, Any] = {
        "title": starter.title,
        "category": starter.category,
        "owner": starter.owner,
        "statements": starter.statements,
        "review_months": starter.review_months,
    }
    if starter.sign_roles:
        data["sign_roles"] = starter.sign_roles
    keeper = people.pcn_manager
    timeline = Timeline()
    timeline.at(at)
    record = create_record(
        session, Access(keeper), app, people.pcn, data, submit=True, actor=keeper
    )
    timeline.apply(session, record)
    return record


def _version(
    session: Session,
    people: CqcPeople,
    app: App,
    record: Record,
    body: str,
    summary: str,
    published: datetime,
) -> None:
    """Drafted by the PCN manager, approved by the platform admin (someone else), then
    published, all on the day of ``published``."""
    keeper, approver = people.pcn_manager, people.admin
    drafted = published - timedelta(hours=3)
    version = library.add_version(
        session,
        Access(keeper),
        app,
        record,
        keeper,
        body=body,
        change_summary=summary,
        now=drafted,
    )
    library.approve_version(
        session,
        Access(approver),
        app,
        record,
        version.number,
        approver,
        now=drafted + timedelta(hours=1),
    )
    library.publish_version(
        session, Access(keeper), app, record, version.number, keeper, now=published
    )


def _adopt(
    session: Session,
    people: CqcPeople,
    app: App,
    record: Record,
    number: int,
    practice: Organisation,
    at: datetime,
    body: str,
    local: tuple[str, str] | None,
) -> None:
    manager = people.managers[practice.ods]
    adoption.adopt(
        session,
        Access(manager),
        app,
        record,
        number,
        practice,
        manager,
        mode="local" if local else "as_is",
        local_text=body + local[0] if local else None,
        reason=local[1] if local else None,
        now=at,
    )


def _sign(
    session: Session,
    people: CqcPeople,
    app: App,
    record: Record,
    number: int,
    practice: Organisation,
    adopted: datetime,
    share: float,
    chance: random.Random,
) -> None:
    """Each of the practice's signers signs within a fortnight, with chance ``share``."""
    signers: list[User] = [people.managers[practice.ods], *people.staff.get(practice.ods, [])]
    for person in signers:
        if chance.random() >= share:
            continue
        at = adopted + timedelta(days=chance.randint(1, 14), hours=chance.randint(0, 6))
        try:
            signing.sign(
                session, Access(person), app, record, number, person, practice=practice, now=at
            )
        except Forbidden:
            continue  # their role does not sign this document (a managers' process)
