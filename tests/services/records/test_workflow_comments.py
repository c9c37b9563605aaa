"""A comment given with a workflow action joins the record's thread, attributed to whoever
acted and marked with the action; the record page shows it while the record stays where
the action led; emails name who commented, never what they wrote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.models import AuditEntry, Comment, Record
from miniapps.models.comment import MAX_COMMENT_LENGTH
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.comments import (
    thread,
    waiting_comment,
    workflow_comment_actions,
)
from sqlalchemy import func, select

BASE = "https://miniapps.example.nhs.uk"
REASON = "The reading looks too high: please check the thermometer."


def act(db_session, user, record, action, comment=None, base=None) -> Record:
    return record_service.apply_transition(
        db_session,
        Access(user),
        record,
        action,
        comment=comment,
        actor=user,
        notify_base_url=base,
    )


def test_return_comment_joins_the_thread_and_waits_until_the_next_step(
    db_session, users, submitted
) -> None:
    pcn = users["pcn_manager"]
    act(db_session, pcn, submitted, "return", f"  {REASON}  ")
    db_session.commit()
    comments = thread(db_session, submitted)
    assert [(c.author_id, c.body, c.parent_id) for c in comments] == [(pcn.id, REASON, None)]
    assert workflow_comment_actions(db_session, submitted) == {comments[0].id: "return"}
    assert waiting_comment(db_session, submitted) == (comments[0], "return")
    # The audit entry of the step names the comment (the history links to it).
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "return").order_by(AuditEntry.id.desc())
    ).first()
    assert {
        "pointer": "/comment",
        "old": None,
        "new": f"  {REASON}  ",
        "comment_id": comments[0].id,
    } in entry.changes
    # The next step ends the wait; the comment stays in the thread.
    act(db_session, users["practice_staff"], submitted, "submit")
    assert waiting_comment(db_session, submitted) is None
    assert len(thread(db_session, submitted)) == 1


def test_approve_with_a_comment_joins_the_thread_too(db_session, users, submitted) -> None:
    act(db_session, users["practice_manager"], submitted, "approve", "Thanks, all in range.")
    comments = thread(db_session, submitted)
    assert [c.body for c in comments] == ["Thanks, all in range."]
    assert workflow_comment_actions(db_session, submitted) == {comments[0].id: "approve"}
    assert waiting_comment(db_session, submitted) == (comments[0], "approve")


def test_a_step_without_a_comment_adds_none(db_session, users, submitted) -> None:
    act(db_session, users["practice_manager"], submitted, "approve", "   ")
    assert thread(db_session, submitted) == []
    assert waiting_comment(db_session, submitted) is None


def test_too_long_a_comment_is_refused_and_nothing_moves(db_session, users, submitted) -> None:
    with pytest.raises(DataInvalid) as caught:
        act(db_session, users["pcn_manager"], submitted, "return", "x" * (MAX_COMMENT_LENGTH + 1))
    assert [i.pointer for i in caught.value.issues] == ["/comment"]
    db_session.rollback()
    assert db_session.get(Record, submitted.id).status == "submitted"
    assert db_session.scalar(select(func.count(Comment.id))) == 0


def test_return_email_names_the_commenter_not_the_comment(
    app, db_session, users, submitted, smtp_server
) -> None:
    act(db_session, users["pcn_manager"], submitted, "return", REASON, base=BASE)
    db_session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    report = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))
    assert report.sent == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "staff@example.nhs.uk"  # the submitter
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "was returned for changes with a comment by Pcn Manager" in body
        assert "It is now draft." in body
        assert "thermometer" not in body  # the comment stays behind sign-in
    assert f"Read the comment: {BASE}/apps/fridge_log/records/{submitted.id}" in text
