"""The policy library's demo story: twelve starter policies published by the PCN, one in
two versions, one review due within 30 days, one overdue; the home practice adopted one
with a local change and signs above 95 %, the other practice has not re-adopted the
new version and signs well below; the compliance source reports it. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_documents import POLICIES_DIR, load_documents, starters
from miniapps.models import App, DocumentVersion, Organisation, User
from miniapps.services.documents.evidence import DocumentEvidence
from miniapps.services.documents.pages import library_page
from miniapps.services.permissions import Access
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.documents_setup import People, make_people, publish_library

TODAY = datetime.now(UTC).date()


def test_starter_policies_are_marked_as_examples() -> None:
    found = starters()
    assert len(found) == 12
    for starter in found:
        assert starter.body.startswith("Example to adapt, not clinical or legal advice."), starter
    assert len(list(POLICIES_DIR.glob("*.md"))) == 12


def cqc_people(session: Session, orgs: dict[str, Organisation], users: dict[str, User], app: App):
    people: People = make_people(session, orgs, users)
    return CqcPeople(
        admin=users["platform_admin"],
        pcn=orgs["U00001"],
        pcn_manager=people.keeper,
        practices=[orgs["A00001"], orgs["A00002"]],
        managers={"A00001": people.manager, "A00002": people.hill_manager},
        staff={"A00001": people.staff, "A00002": [people.hill_staff]},
        apps={"cqc_policies": app},
    )


def test_the_story_shows_every_state(db_session: Session, orgs, users) -> None:
    app = publish_library(db_session, orgs)
    cqc = cqc_people(db_session, orgs, users, app)
    assert load_documents(db_session, cqc, TODAY) == {"cqc_policies": 12}
    assert load_documents(db_session, cqc, TODAY) == {"cqc_policies": 0}  # idempotent

    now = datetime.now(UTC)
    keeper = library_page(db_session, Access(cqc.pcn_manager), app, orgs["U00001"], now).state
    titles = {d.facts.title: d for d in keeper.documents}
    assert len(titles) == 12
    ipc = titles["Infection prevention and control policy"]
    assert [v.status for v in ipc.versions] == ["published", "superseded"]
    assert titles["Fire safety policy"].review_overdue(keeper.today)
    assert titles["Business continuity plan"].review_due_within(keeper.today, 30)
    north, hill = orgs["A00001"], orgs["A00002"]
    assert keeper.status(titles["Chaperone policy"], north).kind == "adopted_local"
    assert keeper.status(ipc, hill).kind == "readopt_overdue"
    assert keeper.status(ipc, north).kind == "adopted"
    home, other = keeper.practice_coverage(north), keeper.practice_coverage(hill)
    assert home.percent is not None and home.percent >= 95
    assert other.percent is not None and other.percent < 95

    # The compliance source: evidence for the home practice, gaps for both.
    source = DocumentEvidence()
    since = now - timedelta(days=365)
    items = list(source.evidence(db_session, [north, hill], "cqc-saf", since, now))
    assert {i.org_id for i in items} == {north.id, hill.id}
    assert all(i.category == "processes" and i.source == "documents" for i in items)
    local = [i for i in items if "Chaperone" in i.title and i.org_id == north.id]
    assert local and local[0].title.endswith("adopted with local changes")
    assert set(local[0].statements) == {"kindness_compassion_and_dignity", "safeguarding"}
    gaps = list(source.gaps(db_session, [north, hill], "cqc-saf", now))
    kinds = {(g.org_id, g.kind) for g in gaps}
    assert (north.id, "review_overdue") in kinds and (hill.id, "policy_not_readopted") in kinds
    assert (hill.id, "signatures_below_target") in kinds
    assert (north.id, "policy_not_readopted") not in kinds
    fire = next(g for g in gaps if g.kind == "review_overdue" and g.org_id == north.id)
    assert fire.text.startswith("Fire safety policy: review overdue since ")
    assert fire.statements == ("safe_environments",)

    [table] = source.pack_tables(db_session, north, since, now)
    assert table.name == "policies" and len(table.rows) == 12
    row = next(r for r in table.rows if r[1] == "Infection prevention and control policy")
    columns = dict(zip(table.columns, row, strict=True))
    assert columns["Versions"] == "1 (superseded), 2 (published)"
    assert columns["Adoption"] == "Adopted as it is" and columns["Adopted version"] == 2
    chaperone = next(r for r in table.rows if r[1] == "Chaperone policy")
    assert dict(zip(table.columns, chaperone, strict=True))["Reason for local changes"]
    assert (
        db_session.scalar(select(DocumentVersion.id).where(DocumentVersion.status == "draft"))
        is None
    )
