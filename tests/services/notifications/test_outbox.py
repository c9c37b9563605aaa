"""The outbox against a real SMTP server: same-transaction queuing, delivery, retries."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from jinja2 import UndefinedError
from miniapps.db import db
from miniapps.models import DeliveryAttempt, OutboxMessage, User
from miniapps.services.notifications.outbox import (
    deliver_due,
    queue_email,
    render_email,
    retry_delay,
)
from miniapps.services.notifications.smtp import SmtpConfig
from sqlalchemy import func, select
from sqlalchemy.orm import Session

ON_POSTGRESQL = (os.environ.get("MINIAPPS_DATABASE_URL") or "").startswith("postgresql")


def _config(port: int, **changes: Any) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1", port=port, mail_from="miniapps <no-reply@x.test>", **changes
    )


def _queue(app: Flask, count: int = 1, **changes: str) -> list[int]:
    with db.transaction(app) as session:
        messages = [
            queue_email(
                session,
                to=changes.get("to", f"person{i}@example.nhs.uk"),
                subject=changes.get("subject", f"Message {i}"),
                text=changes.get("text", f"Body {i}"),
                html=changes.get("html"),
            )
            for i in range(count)
        ]
        return [m.id for m in messages if m is not None]


def _message(app: Flask, message_id: int) -> OutboxMessage:
    with db.new_session(app) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        message.delivery_attempts  # noqa: B018  (load before the session closes)
        return message


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def test_email_is_queued_only_if_the_change_commits(db_session: Session, users) -> None:
    user = users["practice_manager"]
    user.name = "Renamed"
    queue_email(db_session, to=user.email, subject="Renamed", text="You were renamed", user=user)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db_session.get_one(User, user.id).name != "Renamed"

    user.name = "Renamed"
    queued = queue_email(db_session, to=user.email, subject="Renamed", text="...", user=user)
    db_session.commit()
    assert queued is not None and queued.status == "queued" and queued.to_user_id == user.id
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_failed_unit_of_work_leaves_no_email(shared_app: Flask, smtp_server) -> None:
    with pytest.raises(RuntimeError), db.transaction(shared_app) as session:
        queue_email(session, to="a@example.nhs.uk", subject="Never", text="never sent")
        raise RuntimeError("the change failed")
    report = deliver_due(
        lambda: db.new_session(shared_app), _config(smtp_server.port), datetime.now(UTC)
    )
    assert report.attempted == 0 and smtp_server.messages == []


def test_delivers_subject_text_and_html_to_the_smtp_server(shared_app: Flask, smtp_server) -> None:
    rendered = render_email(
        "record_submitted",
        recipient_name="Ann <script>alert(1)</script>",
        org_name="North & Hill Surgery",
        org_ods="A00001",
        app_title="Vaccine fridge log",
        period="2025-04",
        url="http://127.0.0.1:5000/apps/fridge_log/records/7",
    )
    [message_id] = _queue(
        shared_app,
        to="pm@example.nhs.uk",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html or "",
    )
    now = datetime.now(UTC)
    report = deliver_due(lambda: db.new_session(shared_app), _config(smtp_server.port), now)

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == (
        "Vaccine fridge log from North & Hill Surgery for 2025-04 is waiting for approval"
    )
    assert received["To"] == "pm@example.nhs.uk"
    assert received["Message-ID"] == f"<outbox-{message_id}@x.test>"
    plain = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Ann <script>alert(1)</script>" in plain  # plain text is not HTML-escaped
    assert "North & Hill Surgery (A00001) submitted Vaccine fridge log" in plain
    assert "<script>" not in html and "Ann &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "North &amp; Hill Surgery" in html
    assert 'href="http://127.0.0.1:5000/apps/fridge_log/records/7"' in html

    stored = _message(shared_app, message_id)
    assert stored.status == "sent" and stored.attempts == 1 and stored.last_error is None
    assert _utc(stored.sent_at) == now
    assert [(a.ok, a.error) for a in stored.delivery_attempts] == [(True, None)]


def test_smtp_down_is_retried_with_backoff_then_delivered_once(
    shared_app: Flask, smtp_server, closed_port: int
) -> None:
    [message_id] = _queue(shared_app)
    sessions = lambda: db.new_session(shared_app)  # noqa: E731
    down, up = _config(closed_port), _config(smtp_server.port)
    t0 = datetime.now(UTC)

    report = deliver_due(sessions, down, t0)
    assert (report.sent, report.retrying) == (0, 1)
    first = _message(shared_app, message_id)
    assert first.status == "queued" and first.attempts == 1
    assert "ConnectionRefusedError" in (first.last_error or "")
    assert _utc(first.next_attempt_at) == t0 + timedelta(minutes=1)

    assert deliver_due(sessions, down, t0 + timedelta(seconds=30)).attempted == 0  # not yet due
    t1 = t0 + timedelta(minutes=1)
    assert deliver_due(sessions, down, t1).retrying == 1
    assert _utc(_message(shared_app, message_id).next_attempt_at) == t1 + timedelta(minutes=2)

    t2 = t1 + timedelta(minutes=2)
    assert deliver_due(sessions, up, t2).sent == 1
    assert deliver_due(sessions, up, t2 + timedelta(days=1)).attempted == 0
    assert len(smtp_server.wait_for(1)) == 1
    done = _message(shared_app, message_id)
    assert done.status == "sent" and done.attempts == 3
    assert [a.ok for a in done.delivery_attempts] == [False, False, True]


def test_gives_up_after_max_attempts(shared_app: Flask, closed_port: int) -> None:
    [message_id] = _queue(shared_app)
    sessions = lambda: db.new_session(shared_app)  # noqa: E731
    now = datetime.now(UTC)
    outcomes = []
    for _ in range(4):
        report = deliver_due(sessions, _config(closed_port), now, max_attempts=3)
        outcomes.append((report.retrying, report.failed))
        now += timedelta(hours=2)
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]
    failed = _message(shared_app, message_id)
    assert failed.status == "failed" and failed.attempts == 3 and failed.last_error
    assert len(failed.delivery_attempts) == 3


def test_a_down_server_costs_one_connection_try_per_batch(
    shared_app: Flask, closed_port: int
) -> None:
    _queue(shared_app, count=3)
    report = deliver_due(
        lambda: db.new_session(shared_app), _config(closed_port), datetime.now(UTC)
    )
    assert report.retrying == 3  # each message records the attempt; none is lost
    with db.new_session(shared_app) as session:
        assert session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 3
        assert set(session.scalars(select(OutboxMessage.status))) == {"queued"}


def test_logs_in_when_credentials_are_given(shared_app: Flask, smtp_server_with_login) -> None:
    guarded = smtp_server_with_login
    _queue(shared_app, count=1)
    sessions = lambda: db.new_session(shared_app)  # noqa: E731
    now = datetime.now(UTC)
    wrong = deliver_due(sessions, _config(guarded.port, username="mailer", password="no"), now)
    assert wrong.retrying == 1 and guarded.messages == []
    later = now + timedelta(minutes=5)
    right = deliver_due(
        sessions, _config(guarded.port, username="mailer", password="s3cret"), later
    )
    assert right.sent == 1 and len(guarded.wait_for(1)) == 1


def test_sends_every_due_message_batch_after_batch(shared_app: Flask, smtp_server) -> None:
    _queue(shared_app, count=5)
    sessions = lambda: db.new_session(shared_app)  # noqa: E731
    report = deliver_due(sessions, _config(smtp_server.port), datetime.now(UTC), batch_size=2)
    assert report.sent == 5 and len(smtp_server.wait_for(5)) == 5


def test_no_smtp_host_keeps_messages_queued(shared_app: Flask) -> None:
    [message_id] = _queue(shared_app)
    report = deliver_due(
        lambda: db.new_session(shared_app), SmtpConfig(host=None), datetime.now(UTC)
    )
    assert report.attempted == 0
    assert _message(shared_app, message_id).attempts == 0


def test_dedupe_key_queues_once(db_session: Session) -> None:
    key = "reminder:fridge_log:A00001:2025-04:due"
    first = queue_email(db_session, to="a@x.test", subject="Due", text="t", dedupe_key=key)
    second = queue_email(db_session, to="a@x.test", subject="Due", text="t", dedupe_key=key)
    db_session.commit()
    assert first is not None and second is None
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has one writer: such a race cannot occur")
def test_dedupe_key_race_between_two_transactions(shared_app: Flask) -> None:
    key = "reminder:race"
    results: list[OutboxMessage | None] = []
    with db.transaction(shared_app) as first:
        results.append(queue_email(first, to="a@x.test", subject="s", text="t", dedupe_key=key))

        def second_transaction() -> None:  # blocks on the unique index until `first` commits
            with db.transaction(shared_app) as second:
                results.append(
                    queue_email(second, to="a@x.test", subject="s", text="t", dedupe_key=key)
                )

        racer = threading.Thread(target=second_transaction)
        racer.start()
        racer.join(0.5)
        assert racer.is_alive()
    racer.join(10)
    assert results[0] is not None and results[1] is None


def test_render_email_requires_its_context_and_a_subject() -> None:
    with pytest.raises(UndefinedError):
        render_email("record_submitted", recipient_name="Ann")


def test_retry_delay_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [
        1,
        2,
        4,
        8,
        60,
        60,
        60,
    ]


def test_header_injection_is_flattened(db_session: Session) -> None:
    message = queue_email(
        db_session, to="a@x.test", subject="Hello\r\nBcc: victim@x.test", text="t"
    )
    assert message is not None and message.subject == "Hello Bcc: victim@x.test"
