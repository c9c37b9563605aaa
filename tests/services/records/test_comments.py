"""Comments on records: permission, validation, threads, mentions and their emails."""

from __future__ import annotations

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import AuditEntry, CommentMention, OutboxMessage
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.comments import add_comment, parse_mentions, thread
from sqlalchemy import select

from tests.conftest import submit_reading

BASE = "https://miniapps.example.nhs.uk"


@pytest.fixture
def record(db_session, users, orgs, fridge_app):
    made = submit_reading(db_session, users, orgs, fridge_app, 5.0)
    db_session.flush()
    return made


def comment(db_session, users, record, body, who="practice_staff", **kwargs):
    user = users[who]
    return add_comment(db_session, Access(user), record, body, user, **kwargs)


def outbox(db_session) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_parse_mentions_takes_email_addresses_after_an_at_sign():
    body = "Ask @PM@example.nhs.uk. Not jo@nhs.net, but @pcn@example.nhs.uk and @pm@example.nhs.uk"
    assert parse_mentions(body) == ["pm@example.nhs.uk", "pcn@example.nhs.uk"]


def test_comment_and_reply_make_a_thread_in_order(db_session, users, record):
    first = comment(db_session, users, record, "Fridge door was open")
    second = comment(db_session, users, record, "Second note", who="practice_manager")
    reply = comment(db_session, users, record, "Closed it", who="practice_manager", parent=first)
    reply_to_reply = comment(db_session, users, record, "Thanks", parent=reply)
    assert reply.parent_id == first.id and reply_to_reply.parent_id == first.id  # one level
    found = thread(db_session, record)
    assert [c.id for c in found] == [first.id, second.id]
    assert [r.body for r in found[0].replies] == ["Closed it", "Thanks"]
    audit = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_id == record.id, AuditEntry.action == "comment")
        .order_by(AuditEntry.id)
    ).all()
    assert len(audit) == 4 and audit[0].changes[0]["pointer"] == f"/comments/{first.id}"


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Enter a comment"), ("x" * 5001, "5,000 characters or fewer")],
)
def test_empty_or_long_body_is_invalid_at_body(db_session, users, record, body, message):
    with pytest.raises(DataInvalid) as caught:
        comment(db_session, users, record, body)
    assert [(i.pointer, message in i.message) for i in caught.value.issues] == [("/body", True)]


def test_someone_who_cannot_see_the_record_cannot_comment(db_session, users, record):
    with pytest.raises(Forbidden):
        comment(db_session, users, record, "Hello", who="practice_manager_2")


def test_mentions_email_only_the_people_mentioned(db_session, users, record):
    made = comment(
        db_session,
        users,
        record,
        "Secret detail for @pm@example.nhs.uk and myself @staff@example.nhs.uk",
        base_url=BASE,
    )
    assert {m.user_id for m in made.mentions} == {
        users["practice_manager"].id,
        users["practice_staff"].id,
    }
    messages = outbox(db_session)
    assert [m.to_address for m in messages] == ["pm@example.nhs.uk"]  # not the author
    text = messages[0].body_text
    assert "Practice Staff mentioned you" in messages[0].subject
    assert f"{BASE}/apps/fridge_log/records/{record.id}" in text
    assert "Secret detail" not in text and "Secret detail" not in (messages[0].body_html or "")


def test_no_base_url_no_email(db_session, users, record):
    comment(db_session, users, record, "For @pm@example.nhs.uk")
    assert outbox(db_session) == []


def test_mention_of_someone_who_cannot_see_the_record_is_refused(db_session, users, record):
    with pytest.raises(DataInvalid) as caught:
        comment(
            db_session,
            users,
            record,
            "Ask @pm2@example.nhs.uk and @nobody@example.nhs.uk",
            base_url=BASE,
        )
    messages = [i.message for i in caught.value.issues]
    # The same words for a colleague who cannot see the record and an address nobody has:
    # a comment box is no way to find out who has an account.
    assert messages == [
        "You cannot mention pm2@example.nhs.uk: only people who can see this record "
        "can be mentioned",
        "You cannot mention nobody@example.nhs.uk: only people who can see this record "
        "can be mentioned",
    ]
    assert "Practice Manager 2" not in " ".join(messages)
    assert outbox(db_session) == []
    assert db_session.scalars(select(CommentMention)).all() == []
