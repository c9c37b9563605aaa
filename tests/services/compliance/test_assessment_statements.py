"""What the compliance view costs the database: ``assess_many`` asks each source once for
all the organisations, and each source reads a table once for all of them, so ten
practices cost the statements one does, and more documents, records and people cost no
more (counted with a ``before_cursor_execute`` listener on the session's connection)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from miniapps.core.definitions.loading import load_bundle
from miniapps.models import App, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.compliance.assessment import Assessment, assess_many
from miniapps.services.documents import adoption, signing
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.compliance_evidence import CQC_DIR, evidence, load_saf
from tests.cqc_deadlines import complaint, completion
from tests.documents_setup import (
    PASSWORD,
    People,
    make_people,
    new_document,
    published_version,
)
from tests.statements import recorded_statements

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
COURSES = ["basic_life_support", "fire_safety"]  # of the seven each person needs


def statements_of(session: Session, practices: list[Organisation]) -> int:
    with recorded_statements(session.connection()) as seen:
        assess_many(session, practices, "cqc-saf", now=NOW)
    return len(seen)


@pytest.fixture
def bundle(db_session: Session, orgs: dict[str, Organisation]) -> dict[str, App]:
    """The framework and every app of the CQC bundle, published to the ICB a year back."""
    load_saf(db_session)
    since = TODAY - timedelta(days=400)
    published = {
        definition.id: app_service.publish(
            db_session, definition, [orgs["QWE"]], None, targeted_from=since
        ).app
        for definition in load_bundle(CQC_DIR)
    }
    db_session.commit()
    return published


@pytest.fixture
def practices(db_session: Session, orgs: dict[str, Organisation]) -> list[Organisation]:
    """North PCN's ten practices (eight more than the ``orgs`` fixture's two)."""
    rows = [OrgRow(f"A1{n:04d}", f"Surgery {n}", "practice", "U00001") for n in range(3, 11)]
    upsert_organisations(db_session, rows)
    db_session.commit()
    query = select(Organisation).where(
        subtree(orgs["U00001"].path), Organisation.type == "practice"
    )
    return list(db_session.scalars(query.order_by(Organisation.ods)))


@pytest.fixture
def people(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> People:
    return make_people(db_session, orgs, users)


def staff_of(session: Session, practice: Organisation) -> tuple[User, list[User]]:
    """A manager and two staff at ``practice`` (made on first asking)."""

    def person(name: str, role: str) -> User:
        email = f"{name}.{practice.ods.lower()}@example.nhs.uk"
        return user_service.by_email(session, email) or user_service.create_user(
            session, email, f"{name.title()} {practice.ods}", PASSWORD, role, practice
        )

    staff = [person(name, "practice_staff") for name in ("nurse", "reception")]
    return person("manager", "practice_manager"), staff


def fill(
    session: Session, bundle: dict[str, App], practices: list[Organisation], days: int
) -> None:
    """At each practice, ``days`` ago: an evidence log entry, two courses done by each of
    its staff (the rest missing: training gaps), a complaint not acknowledged in time (a
    deadline gap) and a peer review of the next practice (its evidence)."""
    at = NOW - timedelta(days=days)
    for n, practice in enumerate(practices):
        manager, staff = staff_of(session, practice)
        evidence(session, practice, ["learning_culture", "safeguarding"], at=at, by=manager)
        for person in staff:
            for course in COURSES:
                training = bundle["cqc_training"]
                completion(session, training, practice, manager, person, course, at.date())
        complaint(session, bundle["cqc_complaints"], practice, manager, TODAY - timedelta(days=20))
        reviewed = practices[(n + 1) % len(practices)]
        session.add(
            Record(
                app_id="cqc_peer_review",
                app_version=1,
                organisation=practice,
                subject_id=reviewed.id,
                data={"audited_practice": reviewed.ods},
                status="submitted",
                submitted_at=at,
                created_by=manager,
            )
        )
    session.commit()


def add_documents(
    session: Session,
    orgs: dict[str, Organisation],
    people: People,
    library: App,
    practices: list[Organisation],
    titles: list[str],
) -> None:
    """Documents kept by North PCN, published, adopted at every other practice and signed
    there by one person of three (below the signing target: a gap)."""
    for title in titles:
        record = new_document(session, library, orgs["U00001"], people.keeper, title=title)
        published_version(session, library, record, people, now=NOW)
        for practice in practices[::2]:
            manager, staff = staff_of(session, practice)
            access = Access(manager)
            adoption.adopt(
                session, access, library, record, 1, practice, manager, mode="as_is", now=NOW
            )
            signing.sign(session, Access(staff[0]), library, record, 1, staff[0], now=NOW)
    session.commit()


def found(assessment: Assessment, source: str) -> set[tuple[str, str]]:
    """What ``source`` gave the assessment: ("evidence", link) of each item and (kind,
    text) of each gap."""
    statements = [s for question in assessment.key_questions for s in question.statements]
    items = {("evidence", str(i.link)) for s in statements for i in s.items if i.source == source}
    gaps = {(g.kind, g.text) for s in statements for g in s.gaps if g.source == source}
    return items | gaps


def test_ten_practices_cost_the_statements_of_one(
    db_session: Session,
    orgs: dict[str, Organisation],
    people: People,
    bundle: dict[str, App],
    practices: list[Organisation],
) -> None:
    fill(db_session, bundle, practices, days=30)
    add_documents(db_session, orgs, people, bundle["cqc_policies"], practices, ["Chaperones"])
    results = assess_many(db_session, practices, "cqc-saf", now=NOW)  # definitions read once
    assert len(practices) == 10
    sources = ("records", "documents", "training", "deadlines", "audits")
    assert all(found(results[p.id], source) for p in practices[::2] for source in sources)

    one = statements_of(db_session, practices[:1])
    assert statements_of(db_session, practices[:5]) == one
    assert statements_of(db_session, practices) == one
    assert one <= 50  # a few per source, none per record, person or document (was 67)


def test_more_documents_records_and_people_cost_no_more(
    db_session: Session,
    orgs: dict[str, Organisation],
    people: People,
    bundle: dict[str, App],
    practices: list[Organisation],
) -> None:
    library = bundle["cqc_policies"]
    fill(db_session, bundle, practices, days=30)
    add_documents(db_session, orgs, people, library, practices, ["Chaperones"])
    first = assess_many(db_session, practices, "cqc-saf", now=NOW)
    before = statements_of(db_session, practices)

    fill(db_session, bundle, practices, days=60)
    add_documents(db_session, orgs, people, library, practices, ["Consent", "Hand hygiene"])
    assert statements_of(db_session, practices) == before

    then = assess_many(db_session, practices, "cqc-saf", now=NOW)
    north = practices[0].id
    assert len(found(then[north], "records")) == 2 * len(found(first[north], "records"))
    assert len(found(first[north], "documents")) == 2  # adopted (evidence), signatures low
    assert len(found(then[north], "documents")) == 6
