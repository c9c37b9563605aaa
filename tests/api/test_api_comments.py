"""``/api/v1/records/{rid}/comments``: threads, replies, @mentions, the permission filter."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from miniapps.models import Comment, OutboxMessage
from miniapps.web.api.openapi_spec import openapi_document
from sqlalchemy import func, select
from sqlalchemy.orm import Session


@pytest.fixture
def headers(users, token, fridge_app) -> dict[str, dict[str, str]]:
    return {key: token(user) for key, user in users.items()}


def new_record(client: FlaskClient, auth: dict[str, str], submit: bool = True) -> int:
    response = client.post(
        "/api/v1/apps/fridge_log/records",
        json={"org": "A00001", "data": {"reading": 4.5}, "submit": submit},
        headers=auth,
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@pytest.fixture
def rid(client: FlaskClient, headers) -> int:
    """A submitted fridge reading at North Surgery (A00001)."""
    return new_record(client, headers["practice_staff"])


def comments_url(record_id: int) -> str:
    return f"/api/v1/records/{record_id}/comments"


def post(client: FlaskClient, auth: dict[str, str], record_id: int, **body: Any):
    return client.post(comments_url(record_id), json=body, headers=auth)


def count(db_session: Session, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def check(schema_name: str, instance: Any) -> None:
    schema = {**openapi_document(), "$ref": f"#/components/schemas/{schema_name}"}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(instance)]
    assert not errors, errors


def test_comment_reply_and_thread(client: FlaskClient, headers, rid: int) -> None:
    empty = client.get(comments_url(rid), headers=headers["practice_manager"])
    assert empty.status_code == 200
    assert empty.get_json() == {"record": rid, "items": [], "total": 0}
    first = post(client, headers["practice_staff"], rid, body="  Door was open  ")
    assert first.status_code == 201
    made = first.get_json()
    check("Comment", made)
    assert made["body"] == "Door was open" and made["parent_id"] is None
    assert made["author"] == {"email": "staff@example.nhs.uk", "name": "Practice Staff"}
    reply = post(client, headers["practice_manager"], rid, body="Closed it", parent_id=made["id"])
    assert reply.status_code == 201 and reply.get_json()["parent_id"] == made["id"]
    # A reply to a reply joins the same thread (threads are one level deep).
    again = post(
        client, headers["practice_staff"], rid, body="Thanks", parent_id=reply.get_json()["id"]
    )
    assert again.get_json()["parent_id"] == made["id"]
    second = post(client, headers["pcn_manager"], rid, body="Noted", parent_id=None)
    assert second.status_code == 201
    listed = client.get(comments_url(rid), headers=headers["icb_viewer"]).get_json()
    check("CommentList", listed)
    assert listed["total"] == 4
    assert [c["body"] for c in listed["items"]] == ["Door was open", "Noted"]
    assert [r["body"] for r in listed["items"][0]["replies"]] == ["Closed it", "Thanks"]


def test_mentions_email_the_people_named(
    client: FlaskClient, headers, rid: int, db_session: Session
) -> None:
    queued = count(db_session, OutboxMessage)  # the submit told the approvers
    response = post(
        client, headers["practice_staff"], rid, body="@pm@example.nhs.uk please check the log"
    )
    assert response.status_code == 201
    assert response.get_json()["mentions"] == ["pm@example.nhs.uk"]
    messages = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[queued:]
    assert [m.to_address for m in messages] == ["pm@example.nhs.uk"]
    assert "please check the log" not in messages[0].body_text  # the details stay signed in
    assert f"/records/{rid}" in messages[0].body_text


def test_the_page_shows_what_the_api_added(
    client: FlaskClient, headers, rid: int, users, login
) -> None:
    post(client, headers["practice_staff"], rid, body="Added through the API")
    login(users["practice_manager"])
    page = client.get(f"/apps/fridge_log/records/{rid}").get_data(as_text=True)
    assert "Added through the API" in page


@pytest.mark.parametrize(
    ("body", "pointer", "message"),
    [
        ({"body": "   "}, "/body", "Enter a comment"),
        ({"body": "x" * 5001}, "/body", "Comment must be 5,000 characters or fewer"),
        (
            {"body": "Over to @pm2@example.nhs.uk"},
            "/body",
            "You cannot mention pm2@example.nhs.uk: only people who can see this record",
        ),
        (
            {"body": "Ask @nobody@example.nhs.uk"},
            "/body",
            "You cannot mention nobody@example.nhs.uk: only people who can see this record",
        ),
        ({"body": "Hi", "parent_id": 999999}, "/parent_id", "There is no comment 999999"),
        ({"body": 5}, "/body", ""),
        ({}, "/body", ""),
        ({"body": "Hi", "pinned": True}, "/pinned", ""),
    ],
)
def test_bad_comments_are_422_and_store_nothing(
    client: FlaskClient, headers, rid: int, db_session: Session, body, pointer, message
) -> None:
    queued = count(db_session, OutboxMessage)
    response = client.post(comments_url(rid), json=body, headers=headers["practice_staff"])
    assert response.status_code == 422
    answer = response.get_json()
    check("ValidationError", answer)
    assert [e["pointer"] for e in answer["errors"]] == [pointer]
    assert answer["errors"][0]["message"].startswith(message)
    assert count(db_session, Comment) == 0 and count(db_session, OutboxMessage) == queued


def test_parent_on_another_record_is_refused(client: FlaskClient, headers, rid: int) -> None:
    other = new_record(client, headers["practice_staff"])
    elsewhere = post(client, headers["practice_staff"], other, body="On the other one")
    response = post(
        client, headers["practice_staff"], rid, body="Reply", parent_id=elsewhere.get_json()["id"]
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/parent_id"]


def test_records_the_caller_may_not_see_are_404(
    client: FlaskClient, headers, rid: int, db_session: Session
) -> None:
    draft = new_record(client, headers["practice_staff"], submit=False)
    cases = [
        ("practice_manager_2", rid),  # another PCN's practice
        ("stakeholder", rid),
        ("icb_viewer", draft),  # a draft is seen only by those who may edit it
        ("practice_manager", 999999),
    ]
    for who, record_id in cases:
        for response in (
            client.get(comments_url(record_id), headers=headers[who]),
            post(client, headers[who], record_id, body="Hello"),
        ):
            assert response.status_code == 404, (who, record_id)
            assert response.get_json()["error"] == "not_found"
            assert set(response.get_json()) == {"error", "message"}
    assert count(db_session, Comment) == 0


def test_token_and_content_type_are_checked(client: FlaskClient, headers, rid: int) -> None:
    unauthenticated = client.get(comments_url(rid))
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.get_json()) >= {"error", "message"}
    as_form = client.post(comments_url(rid), data={"body": "Hi"}, headers=headers["practice_staff"])
    assert as_form.status_code == 415 and as_form.get_json()["error"] == "unsupported_media_type"
    with_query = client.get(comments_url(rid) + "?page=2", headers=headers["practice_staff"])
    assert with_query.status_code == 400


def test_a_workflow_comment_is_listed_in_the_thread(client: FlaskClient, headers, rid: int) -> None:
    """ "Return for changes" with a reason: the reason joins the thread, by whoever acted."""
    returned = client.post(
        f"/api/v1/records/{rid}/transitions",
        json={"action": "return", "comment": "Please recheck the thermometer."},
        headers=headers["pcn_manager"],
    )
    assert returned.status_code == 200, returned.get_json()
    listed = client.get(comments_url(rid), headers=headers["practice_manager"]).get_json()
    assert listed["total"] == 1
    [item] = listed["items"]
    assert (item["body"], item["author"]["email"], item["parent_id"]) == (
        "Please recheck the thermometer.",
        "pcn@example.nhs.uk",
        None,
    )
    check("CommentList", listed)
