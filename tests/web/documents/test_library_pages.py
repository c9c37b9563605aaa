"""The library pages, driven through the browser forms (no JavaScript): the PCN keeps
and publishes, a practice manager adopts with local changes and sees the difference,
staff read and sign from their list, the managers see coverage; a practice posting to
the central version is refused (403) and a review date in the past is named."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from miniapps.models import App, DocumentVersion, Organisation
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.documents_setup import CENTRAL, People, new_document

LOCAL = CENTRAL + "Our nurse checks the gel stations each morning.\n"


def as_user(client: FlaskClient, login, user) -> None:
    client.post("/auth/logout")
    login(user)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_keep_adopt_sign_and_coverage_through_the_pages(
    client: FlaskClient,
    login,
    db_session: Session,
    orgs: dict[str, Organisation],
    people: People,
    policies: App,
) -> None:
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    db_session.commit()
    base = f"/apps/{policies.id}/library"

    as_user(client, login, people.keeper)
    listing = client.get(base)
    assert listing.status_code == 200
    assert "Documents kept by North PCN" in text(listing)
    assert "Infection prevention and control policy" in text(listing)
    assert 'href="/apps/cqc_policies/library"' in text(client.get(f"/apps/{policies.id}/"))

    added = client.post(
        f"{base}/{record.id}/versions",
        data={"body": CENTRAL, "change_summary": "First version"},
    )
    assert added.status_code == 302
    page = text(client.get(f"{base}/{record.id}"))
    assert "Waiting for someone other than its author to approve it." in page
    refused = client.post(f"{base}/{record.id}/versions/1/approve")
    assert refused.status_code == 403  # separation of duties

    as_user(client, login, people.approver)
    assert client.post(f"{base}/{record.id}/versions/1/approve").status_code == 302
    as_user(client, login, people.keeper)
    past = client.post(
        f"{base}/{record.id}/versions/1/publish",
        data={
            "publish_review_due-day": "1",
            "publish_review_due-month": "1",
            "publish_review_due-year": "2020",
        },
    )
    assert past.status_code == 400
    assert "The review date must not be in the past" in text(past)
    assert 'href="#publish_review_due-day"' in text(past)
    assert db_session.scalar(select(DocumentVersion.status)) == "approved"  # nothing stored
    assert client.post(f"{base}/{record.id}/versions/1/publish").status_code == 302

    # The practice manager: the central version is not theirs to change.
    as_user(client, login, people.manager)
    practice_list = text(client.get(base))
    assert "Documents for North Surgery" in practice_list
    assert 'data-adoption="not_adopted"' in practice_list
    for path in (f"{base}/{record.id}/versions", f"{base}/{record.id}/versions/1/publish"):
        response = client.post(path, data={"body": "Ours now", "change_summary": "x"})
        assert response.status_code == 403
    assert db_session.scalars(select(DocumentVersion.body)).all() == [CENTRAL.strip()]

    form = client.get(f"{base}/{record.id}/adopt?org=A00001")
    assert form.status_code == 200 and "With local changes" in text(form)
    missing = client.post(
        f"{base}/{record.id}/adopt",
        data={"org": "A00001", "version": "1", "mode": "local", "local_text": LOCAL, "reason": ""},
    )
    assert missing.status_code == 400
    assert "Say why your practice changes the central text" in text(missing)
    adopted = client.post(
        f"{base}/{record.id}/adopt",
        data={
            "org": "A00001",
            "version": "1",
            "mode": "local",
            "local_text": LOCAL,
            "reason": "Daily gel checks",
        },
    )
    assert adopted.status_code == 302
    doc_page = text(client.get(f"{base}/{record.id}?org=A00001"))
    assert "Adopted with local changes" in doc_page
    assert 'data-change="added"' in doc_page and "<ins>Our nurse checks" in doc_page
    assert "Daily gel checks" in doc_page

    # Staff: the list to read and sign, and the sign button.
    staff = people.staff[1]
    as_user(client, login, staff)
    mine = text(client.get(base))
    assert "To read and sign" in mine and "Read Infection prevention" in mine
    signed = client.post(
        f"{base}/{record.id}/versions/1/sign", data={"org": "A00001", "next": "library"}
    )
    assert signed.status_code == 302 and signed.location.endswith(f"{base}?org=A00001")
    assert "You have read and signed every document adopted here" in text(client.get(base))
    assert client.get(f"{base}/coverage?org=A00001").status_code == 403  # managers only
    own = text(client.get(f"{base}/people/{staff.id}?org=A00001"))
    assert "Not signed" not in own

    as_user(client, login, people.manager)
    grid = text(client.get(f"{base}/coverage?org=A00001"))
    assert "People by documents at North Surgery" in grid
    assert re.search(r"1 of 4 \(25%\)", grid)
    as_user(client, login, people.keeper)
    keeper_list = text(client.get(base))
    assert "1 of 2" in keeper_list  # practices adopted: North of North and Hill
    assert "1 of 4 (25%)" in keeper_list


def test_outsiders_get_404(
    client: FlaskClient,
    login,
    db_session: Session,
    orgs: dict[str, Organisation],
    people: People,
    policies: App,
) -> None:
    from tests.documents_setup import published_version

    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people)
    db_session.commit()
    as_user(client, login, people.outsider)  # a practice of South PCN
    base = f"/apps/{policies.id}/library/{record.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}?org=A00001").status_code == 404
    assert client.post(f"{base}/versions/1/sign", data={"org": "A00003"}).status_code == 404


def test_practices_see_no_drafts_and_staff_do_not_adopt(
    client: FlaskClient,
    login,
    db_session: Session,
    orgs: dict[str, Organisation],
    people: People,
    policies: App,
) -> None:
    from miniapps.services.documents import library
    from miniapps.services.permissions import Access

    from tests.documents_setup import NOW, published_version

    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people)
    library.add_version(
        db_session,
        Access(people.keeper),
        policies,
        record,
        people.keeper,
        body="Draft two",
        change_summary="Two",
        now=NOW,
    )
    db_session.commit()
    base = f"/apps/{policies.id}/library/{record.id}"
    as_user(client, login, people.staff[0])
    assert client.get(f"{base}/versions/1?org=A00001").status_code == 200
    assert client.get(f"{base}/versions/2?org=A00001").status_code == 404  # a draft
    assert "Draft two" not in text(client.get(f"{base}?org=A00001"))
    assert client.get(f"{base}/adopt?org=A00001").status_code == 403
    assert client.post(f"{base}/adopt", data={"org": "A00001", "mode": "as_is"}).status_code == 403
    as_user(client, login, people.keeper)
    assert "Draft two" in text(client.get(f"{base}/versions/2"))
