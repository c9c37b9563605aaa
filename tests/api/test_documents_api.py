"""The document library API: listing a practice's documents with adoption and coverage,
signing through the API (201, then 200 for the same signature), 409 for a superseded
version, 403 for someone who does not sign it, 404 beyond the caller's reach; answers
match the OpenAPI schemas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from miniapps.models import App, Organisation, User
from miniapps.services.documents import adoption
from miniapps.services.permissions import Access
from miniapps.web.api.openapi_spec import openapi_document
from sqlalchemy.orm import Session

from tests.documents_setup import (
    RECENT,
    People,
    make_people,
    new_document,
    publish_library,
    published_version,
)


def check(schema_name: str, instance: Any) -> None:
    document = openapi_document()
    schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
    errors = list(Draft202012Validator(schema).iter_errors(instance))
    assert not errors, [e.message for e in errors]


@pytest.fixture
def people(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> People:
    return make_people(db_session, orgs, users)


@pytest.fixture
def policies(db_session: Session, orgs: dict[str, Organisation], people: People) -> App:
    return publish_library(db_session, orgs)


@pytest.fixture
def adopted(db_session: Session, orgs, people: People, policies: App):
    record = new_document(db_session, policies, orgs["U00001"], people.keeper)
    published_version(db_session, policies, record, people, now=RECENT)
    adoption.adopt(
        db_session,
        Access(people.manager),
        policies,
        record,
        1,
        orgs["A00001"],
        people.manager,
        mode="as_is",
        now=RECENT,
    )
    db_session.commit()
    return record


def test_sign_201_then_200_and_listed_coverage(
    client: FlaskClient, token, people: People, policies: App, adopted
) -> None:
    staff = token(people.staff[0])
    path = f"/api/v1/documents/{adopted.id}/versions/1/signatures"
    first = client.post(path, headers=staff)
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    check("Signature", answer)
    assert (answer["document"], answer["version"], answer["org"]) == (adopted.id, 1, "A00001")
    again = client.post(path, json={"org": "A00001"}, headers=staff)
    assert again.status_code == 200 and again.get_json()["signed_at"] == answer["signed_at"]

    listing = client.get("/api/v1/documents?org=A00001", headers=staff)
    assert listing.status_code == 200
    check("DocumentList", listing.get_json())
    [item] = listing.get_json()["documents"]
    assert item["adoption"]["status"] == "adopted" and item["adoption"]["version"] == 1
    assert item["coverage"] == {"signed": 1, "required": 4, "percent": 25}
    assert item["to_sign"] is None  # signed already
    other = client.get("/api/v1/documents?org=A00001", headers=token(people.staff[1]))
    assert other.get_json()["documents"][0]["to_sign"] == 1

    pcn = client.get("/api/v1/documents?org=U00001", headers=token(people.keeper)).get_json()
    check("DocumentList", pcn)
    assert pcn["documents"][0]["practices"] == {"adopted": 1, "total": 2}
    assert pcn["documents"][0]["current_version"]["review_overdue"] is False


def test_refusals_in_order(
    client: FlaskClient,
    db_session: Session,
    token,
    people: People,
    policies: App,
    adopted,
    orgs,
) -> None:
    path = f"/api/v1/documents/{adopted.id}/versions/1/signatures"
    assert client.post(path, headers=token(people.outsider)).status_code == 404
    assert (
        client.post(
            f"/api/v1/documents/{adopted.id}/versions/9/signatures", headers=token(people.staff[0])
        ).status_code
        == 404
    )
    keeper = client.post(path, headers=token(people.keeper))
    assert keeper.status_code == 403  # the PCN manager signs nothing at a practice
    bad = client.post(path, json={"org": 5}, headers=token(people.staff[0]))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["pointer"] == "/org"

    published_version(
        db_session,
        policies,
        adopted,
        people,
        body="Version two",
        summary="Two",
        now=RECENT + timedelta(days=3),
    )
    db_session.commit()
    superseded = client.post(path, headers=token(people.staff[1]))
    assert superseded.status_code == 409
    assert superseded.get_json()["error"] == "superseded"
    check("Error", superseded.get_json())
    not_yet = client.post(
        f"/api/v1/documents/{adopted.id}/versions/2/signatures", headers=token(people.staff[1])
    )
    assert not_yet.status_code == 409 and not_yet.get_json()["error"] == "not_adopted"
    listing = client.get("/api/v1/documents?org=A00001", headers=token(people.manager)).get_json()
    assert listing["documents"][0]["adoption"]["status"] == "readopt"
    assert listing["documents"][0]["coverage"]["signed"] == 0  # reset by the new version


def test_list_needs_a_readable_org(client: FlaskClient, token, people: People, policies) -> None:
    staff = token(people.staff[0])
    missing = client.get("/api/v1/documents", headers=staff)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["pointer"] == "/org"
    assert client.get("/api/v1/documents?org=A00003", headers=staff).status_code == 404
    assert client.get("/api/v1/documents?org=NOPE1", headers=staff).status_code == 404
    assert client.get("/api/v1/documents?org=A00001&x=1", headers=staff).status_code == 400
