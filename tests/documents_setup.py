"""A document library for tests: the bundled CQC policy library published to the test
ICB, documents kept by North PCN (U00001), and the people who keep, adopt and sign.
Plain functions (no fixtures), shared by the services, web, API and scheduler tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from miniapps.models import App, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.documents import library
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.publishing import publish_app

REPO = Path(__file__).resolve().parents[1]
SAF = REPO / "apps" / "cqc_compliance" / "data" / "saf-2024.json"
POLICIES = REPO / "apps" / "cqc_compliance" / "definitions" / "cqc_policies.json"
PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
# For tests whose requests read the real clock (pages, API): a moment ago.
RECENT = datetime.now(UTC).replace(microsecond=0)
CENTRAL = "Staff wash their hands before and after each patient.\nGloves are single use.\n"


def policies_definition() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(POLICIES.read_text(encoding="utf-8"))
    raw.pop("$schema", None)
    return raw


@dataclass
class People:
    keeper: User  # PCN manager of U00001: drafts and publishes
    approver: User  # a second PCN manager of U00001
    manager: User  # practice manager of A00001
    staff: list[User]  # practice staff of A00001
    hill_manager: User  # practice manager of A00002
    hill_staff: User  # practice staff of A00002
    outsider: User  # practice manager of A00003 (South PCN)


def make_people(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> People:
    def person(email: str, role: str, ods: str) -> User:
        name = email.split("@")[0].replace(".", " ").title()
        return user_service.create_user(session, email, name, PASSWORD, role, orgs[ods])

    people = People(
        keeper=users["pcn_manager"],
        approver=person("approver@example.nhs.uk", "pcn_manager", "U00001"),
        manager=users["practice_manager"],
        staff=[
            users["practice_staff"],
            person("nurse@example.nhs.uk", "practice_staff", "A00001"),
            person("reception@example.nhs.uk", "practice_staff", "A00001"),
        ],
        hill_manager=person("hill.pm@example.nhs.uk", "practice_manager", "A00002"),
        hill_staff=person("hill.staff@example.nhs.uk", "practice_staff", "A00002"),
        outsider=users["practice_manager_2"],
    )
    session.commit()
    return people


def publish_library(session: Session, orgs: dict[str, Organisation]) -> App:
    """The framework the library maps to (loaded once), then the library, to the ICB."""
    framework = json.loads(SAF.read_text(encoding="utf-8"))
    load_framework(session, framework, source=str(SAF))
    return publish_app(session, policies_definition(), [orgs["QWE"]])


def new_document(
    session: Session,
    app: App,
    keeper_org: Organisation,
    keeper: User,
    *,
    title: str = "Infection prevention and control policy",
    statements: list[str] | None = None,
    **extra: Any,
) -> Record:
    data = {
        "title": title,
        "category": "policy",
        "owner": "PCN clinical director",
        "statements": statements or ["infection_prevention_and_control"],
        **extra,
    }
    record = record_service.create_record(
        session, Access(keeper), app, keeper_org, data, submit=True, actor=keeper
    )
    session.flush()
    return record


def published_version(
    session: Session,
    app: App,
    record: Record,
    people: People,
    *,
    body: str = CENTRAL,
    summary: str = "First version",
    now: datetime = NOW,
    review_due: date | None = None,
) -> Any:
    """Draft (by the keeper), approve (by the approver) and publish (by the keeper)."""
    version = library.add_version(
        session,
        Access(people.keeper),
        app,
        record,
        people.keeper,
        body=body,
        change_summary=summary,
        now=now,
    )
    library.approve_version(
        session, Access(people.approver), app, record, version.number, people.approver, now=now
    )
    return library.publish_version(
        session,
        Access(people.keeper),
        app,
        record,
        version.number,
        people.keeper,
        now=now,
        review_due=review_due,
        base_url="https://miniapps.test",
    )
