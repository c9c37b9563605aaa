"""What the library refuses, and that nothing is stored then: a practice changing the
central version (403), a review date in the past (422 at /review_due), approving one's
own version (403), adopting beyond reach (404), as staff (403), a superseded version or
twice (409), local changes without text or reason (422); signing without the role (403)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from miniapps.models import App, DocumentAdoption, DocumentVersion, Organisation
from miniapps.services.documents import adoption, library, signing
from miniapps.services.documents.errors import DocumentConflict, DocumentInvalid, DocumentNotFound
from miniapps.services.documents.pages import library_page
from miniapps.services.permissions import Access, Forbidden
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.documents_setup import CENTRAL, NOW, People, new_document, published_version


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def draft(session: Session, app: App, record, people: People, **changes):
    values = {"body": CENTRAL, "change_summary": "First version", "now": NOW, **changes}
    return library.add_version(session, Access(people.keeper), app, record, people.keeper, **values)


def test_a_practice_never_changes_the_central_version(
    db_session: Session, orgs: dict[str, Organisation], people: People, policies: App
) -> None:
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people)
    for who in (people.manager, people.staff[0]):
        with pytest.raises(Forbidden, match="Only the keepers of this document"):
            library.add_version(
                db_session,
                Access(who),
                policies,
                record,
                who,
                body="Ours",
                change_summary="x",
                now=NOW,
            )
    draft(db_session, policies, record, people, body="Version two")
    with pytest.raises(Forbidden):
        library.approve_version(
            db_session, Access(people.manager), policies, record, 2, people.manager, now=NOW
        )
    with pytest.raises(Forbidden):
        library.publish_version(
            db_session, Access(people.manager), policies, record, 2, people.manager, now=NOW
        )
    versions = db_session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [(v.number, v.status, v.body) for v in versions] == [
        (1, "published", CENTRAL.strip()),
        (2, "draft", "Version two"),
    ]


def test_review_dates_in_the_past_are_refused_at_review_due(
    db_session: Session, orgs, people: People, policies: App
) -> None:
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    with pytest.raises(DocumentInvalid) as refused:
        draft(db_session, policies, record, people, review_due=NOW.date() - timedelta(days=1))
    assert [(i.pointer, i.message) for i in refused.value.issues] == [
        ("/review_due", "The review date must not be in the past (1 March 2026 has gone)")
    ]
    with pytest.raises(DocumentInvalid) as empty:
        draft(db_session, policies, record, people, body=" ", change_summary="")
    assert [i.pointer for i in empty.value.issues] == ["/body", "/change_summary"]
    assert count(db_session, DocumentVersion) == 0  # nothing stored

    version = draft(db_session, policies, record, people)
    library.approve_version(
        db_session, Access(people.approver), policies, record, 1, people.approver, now=NOW
    )
    with pytest.raises(DocumentInvalid) as past:
        library.publish_version(
            db_session,
            Access(people.keeper),
            policies,
            record,
            1,
            people.keeper,
            now=NOW,
            review_due="2026-01-31",
        )
    assert past.value.issues[0].pointer == "/review_due"
    with pytest.raises(DocumentInvalid) as far:
        library.publish_version(
            db_session,
            Access(people.keeper),
            policies,
            record,
            1,
            people.keeper,
            now=NOW,
            review_due=date(2030, 1, 1),
        )
    assert "within 3 years" in far.value.issues[0].message
    assert version.status == "approved" and version.review_due is None
    later = library.publish_version(
        db_session,
        Access(people.keeper),
        policies,
        record,
        1,
        people.keeper,
        now=NOW,
        review_due="2026-09-30",
    )
    assert later.review_due == date(2026, 9, 30)


def test_separation_of_duties_and_states(db_session: Session, orgs, people: People, policies):
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    draft(db_session, policies, record, people)
    with pytest.raises(Forbidden, match="separation of duties"):
        library.approve_version(
            db_session, Access(people.keeper), policies, record, 1, people.keeper, now=NOW
        )
    with pytest.raises(DocumentConflict, match="only an approved version is published"):
        library.publish_version(
            db_session, Access(people.keeper), policies, record, 1, people.keeper, now=NOW
        )
    # A new draft supersedes the unpublished one: kept, never overwritten.
    draft(db_session, policies, record, people, body="Better wording", change_summary="Redo")
    statuses = db_session.execute(
        select(
            DocumentVersion.number, DocumentVersion.status, DocumentVersion.published_at
        ).order_by(DocumentVersion.number)
    ).all()
    assert statuses == [(1, "superseded", None), (2, "draft", None)]
    with pytest.raises(DocumentConflict, match="not a draft"):
        library.approve_version(
            db_session, Access(people.approver), policies, record, 1, people.approver, now=NOW
        )


def test_adoption_refusals(db_session: Session, orgs, people: People, policies: App) -> None:
    north = orgs["A00001"]
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people)

    def adopt(who, practice=north, number=1, **values):
        values = {"mode": "as_is", "now": NOW, **values}
        return adoption.adopt(
            db_session, Access(who), policies, record, number, practice, who, **values
        )

    with pytest.raises(DocumentNotFound):
        adopt(people.outsider, orgs["A00003"])  # South PCN: not kept above it
    with pytest.raises(DocumentNotFound):
        adopt(people.outsider)  # another PCN's practice
    with pytest.raises(Forbidden, match="practice managers"):
        adopt(people.staff[0])
    with pytest.raises(DocumentInvalid) as bad:
        adopt(people.manager, mode="mine")
    assert bad.value.issues[0].pointer == "/mode"
    with pytest.raises(DocumentInvalid) as same:
        adopt(people.manager, mode="local", local_text=CENTRAL + "\n", reason="None really")
    assert [i.pointer for i in same.value.issues] == ["/local_text"]
    assert "the same as the central version" in same.value.issues[0].message
    assert count(db_session, DocumentAdoption) == 0
    adopt(people.manager)
    with pytest.raises(DocumentConflict, match="adopted version 1 already"):
        adopt(people.manager)
    published_version(
        db_session, policies, record, people, body="Two", summary="Two", now=NOW + timedelta(days=1)
    )
    with pytest.raises(DocumentConflict, match="superseded"):
        adopt(people.hill_manager, orgs["A00002"], number=1)


def test_only_the_sign_roles_sign_and_coverage_per_person(
    db_session: Session, orgs, people: People, policies: App
) -> None:
    north = orgs["A00001"]
    record = new_document(
        db_session,
        policies,
        orgs["U00001"],
        people.keeper,
        title="Business continuity plan",
        sign_roles=["practice_manager"],
    )
    published_version(db_session, policies, record, people)
    adoption.adopt(
        db_session,
        Access(people.manager),
        policies,
        record,
        1,
        north,
        people.manager,
        mode="as_is",
        now=NOW,
    )
    with pytest.raises(Forbidden, match="practice manager"):
        signing.sign(
            db_session, Access(people.staff[0]), policies, record, 1, people.staff[0], now=NOW
        )
    signing.sign(db_session, Access(people.manager), policies, record, 1, people.manager, now=NOW)
    state = library_page(db_session, Access(people.manager), policies, north, NOW).state
    document = state.document(record.id)
    assert document is not None
    assert state.signers(document, north) == [people.manager]
    assert state.outstanding(people.manager, north) == []
    assert state.outstanding(people.staff[0], north) == []  # not theirs to sign
    coverage = state.coverage(document, north)
    assert coverage is not None and (coverage.signed, coverage.required, coverage.percent) == (
        1,
        1,
        100,
    )
