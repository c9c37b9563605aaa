"""Commenting on the record page: thread, replies, mentions, errors and escaping."""

from __future__ import annotations

from miniapps.models import Comment, OutboxMessage, Record
from sqlalchemy import select


def submitted_record(client, db_session, login, users) -> Record:
    login(users["practice_manager"])
    client.post("/apps/fridge_log/new", data={"org": "A00001", "reading": "5", "submit": "1"})
    return db_session.scalars(select(Record)).one()


def url(record: Record) -> str:
    return f"/apps/fridge_log/records/{record.id}"


def test_comment_and_reply_are_shown_in_order(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    response = client.post(url(record) + "/comments", data={"body": "First comment"})
    assert response.status_code == 302 and "#comment-" in response.headers["Location"]
    first = db_session.scalars(select(Comment)).one()
    client.post(url(record) + "/comments", data={"body": "Second comment"})
    reply = client.post(
        url(record) + "/comments", data={"body": "A reply", "parent_id": str(first.id)}
    )
    assert reply.status_code == 302
    html = client.get(url(record)).get_data(as_text=True)
    assert "Your reply was added." in html
    assert html.index("First comment") < html.index("A reply") < html.index("Second comment")
    assert "Comments" in html and "No comments yet" not in html
    assert f'href="#comment-{first.id}"' in html  # the history links to it


def test_mention_emails_the_right_user_only(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    before = set(db_session.scalars(select(OutboxMessage.id)))
    response = client.post(
        url(record) + "/comments", data={"body": "Please check @staff@example.nhs.uk"}
    )
    assert response.status_code == 302
    new = [m for m in db_session.scalars(select(OutboxMessage)) if m.id not in before]
    assert [m.to_address for m in new] == ["staff@example.nhs.uk"]
    assert "Please check" not in new[0].body_text


def test_mention_of_someone_who_cannot_see_it_is_refused(
    client, db_session, users, fridge_app, login
):
    record = submitted_record(client, db_session, login, users)
    response = client.post(url(record) + "/comments", data={"body": "Hi @pm2@example.nhs.uk"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#body"' in html
    assert "You cannot mention pm2@example.nhs.uk: only people who can see" in html
    assert "Hi @pm2@example.nhs.uk</textarea>" in html  # input kept
    assert db_session.scalars(select(Comment)).all() == []


def test_empty_body_shows_the_error_at_body(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    response = client.post(url(record) + "/comments", data={"body": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#body"' in html and "Enter a comment" in html and 'id="body-error"' in html


def test_reply_error_opens_the_reply_form(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    client.post(url(record) + "/comments", data={"body": "First"})
    first = db_session.scalars(select(Comment)).one()
    response = client.post(url(record) + "/comments", data={"body": "", "parent_id": first.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'href="#reply-{first.id}"' in html
    assert f'id="reply-{first.id}-error"' in html


def test_another_practice_cannot_comment(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    client.post("/auth/logout")
    login(users["practice_manager_2"])
    response = client.post(url(record) + "/comments", data={"body": "Sneaky"})
    assert response.status_code == 404
    assert db_session.scalars(select(Comment)).all() == []


def test_html_in_a_comment_is_escaped(client, db_session, users, fridge_app, login):
    record = submitted_record(client, db_session, login, users)
    client.post(url(record) + "/comments", data={"body": "<script>alert(1)</script>\nline 2"})
    html = client.get(url(record)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line 2" in html
