"""The whole journey through the services: the PCN publishes, a practice adopts with a
local change, staff sign, a new central version resets what must be signed, and
signing the old one is refused (409). Nothing adopted or signed is ever changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from miniapps.models import App, DocumentAdoption, DocumentSignature, Organisation, Record
from miniapps.services.documents import adoption, signing
from miniapps.services.documents.errors import DocumentConflict
from miniapps.services.documents.scope import practices_under, require_library
from miniapps.services.documents.state import Coverage, load_state
from miniapps.services.permissions import Access
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.documents_setup import CENTRAL, NOW, People, new_document, published_version

LOCAL = CENTRAL + "Our practice nurse checks the hand gel stations each morning.\n"


def state_for(session: Session, app: App, pcn: Organisation, today: date):
    records = [r for r in library_records(session, app)]
    return load_state(
        session,
        app,
        require_library(session, app),
        records,
        practices_under(session, app, pcn),
        today,
    )


def library_records(session: Session, app: App):

    return list(session.scalars(select(Record).where(Record.app_id == app.id).order_by(Record.id)))


def test_publish_adopt_sign_and_a_new_version_resets_signatures(
    db_session: Session, orgs: dict[str, Organisation], people: People, policies: App
) -> None:
    pcn, north, hill = orgs["U00001"], orgs["A00001"], orgs["A00002"]
    record = new_document(db_session, policies, pcn, people.keeper)
    first = published_version(db_session, policies, record, people)
    assert (first.number, first.status) == (1, "published")
    assert first.review_due == date(2027, 3, 2)  # 12 months after publishing
    assert first.readopt_due is None  # nothing to re-adopt on a first version

    adopted = adoption.adopt(
        db_session,
        Access(people.manager),
        policies,
        record,
        1,
        north,
        people.manager,
        mode="local",
        local_text=LOCAL,
        reason="Our nurse checks gel stations daily",
        now=NOW,
    )
    assert (adopted.mode, adopted.reason) == ("local", "Our nurse checks gel stations daily")
    adoption.adopt(
        db_session,
        Access(people.hill_manager),
        policies,
        record,
        1,
        hill,
        people.hill_manager,
        mode="as_is",
        now=NOW,
    )
    for person in people.staff[:2]:
        signature, new = signing.sign(
            db_session, Access(person), policies, record, 1, person, now=NOW
        )
        assert new and signature.organisation_id == north.id
    _again, new = signing.sign(
        db_session, Access(people.staff[0]), policies, record, 1, people.staff[0], now=NOW
    )
    assert not new  # signing twice answers the first signature

    state = state_for(db_session, policies, pcn, NOW.date())
    document = state.document(record.id)
    assert document is not None
    # North: 3 staff + its manager must sign; 2 did. Hill: staff + manager, none yet.
    assert state.coverage(document, north) == Coverage(2, 4)
    assert state.coverage(document, hill) == Coverage(0, 2)
    assert state.status(document, north).kind == "adopted_local"
    assert state.adoption_count(document) == (2, 2)

    later = NOW + timedelta(days=40)
    second = published_version(
        db_session,
        policies,
        record,
        people,
        body=CENTRAL + "Bare below the elbow.\n",
        summary="Bare below the elbow",
        now=later,
    )
    db_session.refresh(first)
    assert (first.status, first.superseded_at is not None) == ("superseded", True)
    assert second.readopt_due == later.date() + timedelta(days=30)

    state = state_for(db_session, policies, pcn, later.date())
    document = state.document(record.id)
    assert document is not None
    status = state.status(document, north)
    assert (status.kind, status.due) == ("readopt", second.readopt_due)
    assert state.coverage(document, north) == Coverage(0, 4)  # reset: nobody signed v2

    with pytest.raises(DocumentConflict) as refused:
        signing.sign(
            db_session, Access(people.staff[2]), policies, record, 1, people.staff[2], now=later
        )
    assert refused.value.code == "superseded" and "current version" in str(refused.value)
    with pytest.raises(DocumentConflict) as early:
        signing.sign(
            db_session, Access(people.staff[2]), policies, record, 2, people.staff[2], now=later
        )
    assert early.value.code == "not_adopted"

    adoption.adopt(
        db_session,
        Access(people.manager),
        policies,
        record,
        2,
        north,
        people.manager,
        mode="as_is",
        now=later,
    )
    signing.sign(
        db_session, Access(people.staff[2]), policies, record, 2, people.staff[2], now=later
    )
    state = state_for(db_session, policies, pcn, later.date())
    document = state.document(record.id)
    assert document is not None
    assert state.coverage(document, north) == Coverage(1, 4)

    # Superseded, never overwritten: the first adoption is kept, replaced; signatures stay.
    kept = db_session.scalars(
        select(DocumentAdoption)
        .where(DocumentAdoption.organisation_id == north.id)
        .order_by(DocumentAdoption.id)
    ).all()
    assert [(a.version_id, a.mode, a.local_text == LOCAL.strip()) for a in kept] == [
        (first.id, "local", True),
        (second.id, "as_is", False),
    ]
    assert kept[0].replaced_at is not None and kept[1].replaced_at is None
    signed = db_session.scalars(select(DocumentSignature.version_id)).all()
    assert sorted(signed) == [first.id, first.id, second.id]
