"""The compliance view counts the library: an adopted current version is evidence (in
processes) for the document's statements; a practice that has not adopted it, or whose
staff signed below 95 %, has a gap there; the source is registered."""

from __future__ import annotations

from datetime import UTC, datetime

from miniapps.models import App, Organisation
from miniapps.services.compliance.assessment import assess
from miniapps.services.compliance.sources import SOURCES
from miniapps.services.documents import adoption, signing
from miniapps.services.documents.evidence import DocumentEvidence
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.documents_setup import RECENT, People, new_document, published_version


def statement(assessment, sid: str):
    return next(s for q in assessment.key_questions for s in q.statements if s.id == sid)


def test_adoption_is_evidence_and_low_signatures_a_gap(
    db_session: Session, orgs: dict[str, Organisation], people: People, policies: App
) -> None:
    assert isinstance(SOURCES["documents"], DocumentEvidence)
    north, hill = orgs["A00001"], orgs["A00002"]
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people, now=RECENT)
    adoption.adopt(
        db_session,
        Access(people.manager),
        policies,
        record,
        1,
        north,
        people.manager,
        mode="as_is",
        now=RECENT,
    )
    signing.sign(
        db_session, Access(people.staff[0]), policies, record, 1, people.staff[0], now=RECENT
    )
    now = datetime.now(UTC)

    found = statement(
        assess(db_session, north, "cqc-saf", now=now), "infection_prevention_and_control"
    )
    documents = [i for i in found.items if i.source == "documents"]
    assert [(i.category, i.record_id) for i in documents] == [("processes", record.id)]
    assert [g.kind for g in found.gaps] == ["signatures_below_target"]
    assert "read and signed by 1 of 4 people (25 %), below 95 %" in found.gaps[0].text

    other = statement(
        assess(db_session, hill, "cqc-saf", now=now), "infection_prevention_and_control"
    )
    assert [g.kind for g in other.gaps] == ["policy_not_adopted"]
    assert other.gaps[0].link == f"/apps/{policies.id}/library/{record.id}?org=A00002"
