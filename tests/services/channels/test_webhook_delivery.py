"""Webhook delivery end to end: items sent to a stakeholder, later steps and comments are
POSTed, signed, to a real HTTP receiver on loopback; failures are logged and retried
with backoff on frozen clocks until delivered or failed."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from miniapps.db import db
from miniapps.models import User, Webhook, WebhookAttempt, WebhookDelivery
from miniapps.scheduler import SchedulerProcess
from miniapps.services.channels import webhook_delivery
from miniapps.services.channels.webhook_delivery import WebhookConfig, WebhookReport
from miniapps.services.channels.webhooks import delete_webhook, register_webhook
from miniapps.services.permissions import Access
from miniapps.services.records.comments import add_comment
from miniapps.services.records.lifecycle import apply_transition
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fixtures_mail import free_port
from tests.services.channels.webhook_receiver import Receiver

LOCAL = frozenset({"127.0.0.1"})
SECRET = "a-shared-secret-for-tests"
# After the n-th failure the next attempt waits 1, 4, 16, 64, 256 minutes, then 8 hours.
BACKOFF_MINUTES = [1, 4, 16, 64, 256, 480, 480]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def register(
    db_session: Session, user: User, url: str, channel: str | None = None, secret: str = SECRET
) -> Webhook:
    webhook = register_webhook(db_session, Access(user), url, secret, channel, insecure=LOCAL)
    db_session.commit()
    return webhook


def deliver(
    app: Flask, now: datetime, insecure: frozenset[str] = LOCAL, timeout: float = 5.0
) -> WebhookReport:
    config = WebhookConfig(insecure_hosts=insecure, timeout=timeout)
    return webhook_delivery.deliver_due(lambda: db.new_session(app), config, now)


def deliveries(db_session: Session) -> list[WebhookDelivery]:
    db_session.expire_all()
    return list(db_session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def verified(request, secret: str = SECRET) -> dict:
    """The request's body, after checking its headers and signature as a receiver would."""
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Miniapps-Signature"] == f"sha256={expected}"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert request.headers["X-Miniapps-Event"] == body["event"]
    assert request.headers["X-Miniapps-Delivery"] == body["delivery"]
    return body


def soon() -> datetime:
    """A moment after everything queued so far (deliveries are due when queued)."""
    return datetime.now(UTC) + timedelta(seconds=1)


def test_an_item_sent_to_the_stakeholder_is_posted_signed(
    app: Flask, db_session: Session, stakeholder_users, send_concern, receiver: Receiver
) -> None:
    webhook = register(db_session, stakeholder_users["LAADULT"], receiver.url)
    record = send_concern("adult")
    now = soon()
    assert deliver(app, now) == WebhookReport(delivered=1)
    [request] = receiver.requests
    assert request.path == "/hooks/miniapps"
    body = verified(request)
    assert body["event"] == "item.sent"
    assert (body["channel"], body["stakeholder"]) == ("adult_safeguarding", "LAADULT")
    assert body["record"]["id"] == record.id
    assert body["record"]["data"]["kind"] == "adult"
    assert body["record"]["channels"][0]["stakeholder"] == "LAADULT"
    [delivery] = deliveries(db_session)
    assert request.body == delivery.body.encode()  # the stored text, byte for byte
    assert (delivery.webhook_id, delivery.status, delivery.attempts) == (webhook.id, "delivered", 1)
    assert delivery.last_status == 204
    [attempt] = delivery.attempt_log
    assert (attempt.ok, attempt.status_code, attempt.error) == (True, 204, None)
    # Delivered once: a later run posts nothing.
    assert deliver(app, now + timedelta(hours=1)) == WebhookReport()
    assert len(receiver.requests) == 1


def test_later_steps_and_comments_are_posted_too(
    app: Flask, db_session: Session, stakeholder_users, users, send_concern, receiver: Receiver
) -> None:
    officer = stakeholder_users["LAADULT"]
    register(db_session, officer, receiver.url)
    record = send_concern("adult")
    apply_transition(
        db_session, Access(officer), record, "acknowledge", comment=None, actor=officer
    )
    db_session.commit()
    add_comment(db_session, Access(officer), record, "Who else lives at the address?", officer)
    db_session.commit()
    staff = users["practice_staff"]
    add_comment(db_session, Access(staff), record, "Her son and his partner.", staff)
    db_session.commit()
    assert deliver(app, soon()).delivered == 4
    bodies = [verified(request) for request in receiver.requests]
    assert [b["event"] for b in bodies] == [
        "item.sent",
        "item.action",
        "item.comment",
        "item.comment",
    ]
    assert bodies[1]["record"]["status"] == "acknowledged"
    assert bodies[1]["record"]["channels"][0]["acknowledged_at"] is not None
    assert len({b["delivery"] for b in bodies}) == 4
    assert all(d.status == "delivered" for d in deliveries(db_session))


def test_a_receiver_that_is_down_gets_the_delivery_on_a_later_run(
    app: Flask, db_session: Session, stakeholder_users, send_concern
) -> None:
    port = free_port()  # nothing listens here yet
    register(db_session, stakeholder_users["LAADULT"], f"http://127.0.0.1:{port}/in")
    send_concern("adult")
    t0 = soon()
    assert deliver(app, t0) == WebhookReport(retrying=1)
    [delivery] = deliveries(db_session)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("queued", 1, None)
    assert delivery.last_error == "connection refused"
    assert delivery.next_attempt_at.replace(tzinfo=UTC) == t0 + timedelta(minutes=1)
    # Not due again before the backoff has passed.
    assert deliver(app, t0 + timedelta(seconds=59)) == WebhookReport()
    assert deliver(app, t0 + timedelta(minutes=1)) == WebhookReport(retrying=1)
    with Receiver(port) as receiver:
        assert deliver(app, t0 + timedelta(minutes=4)) == WebhookReport()  # due at 5 min
        assert deliver(app, t0 + timedelta(minutes=5)) == WebhookReport(delivered=1)
        assert verified(receiver.requests[0])["event"] == "item.sent"
    [delivery] = deliveries(db_session)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    log = [(a.ok, a.error, a.at.replace(tzinfo=UTC) - t0) for a in delivery.attempt_log]
    assert log == [
        (False, "connection refused", timedelta(0)),
        (False, "connection refused", timedelta(minutes=1)),
        (True, None, timedelta(minutes=5)),
    ]


def test_eight_attempts_over_about_a_day_then_failed(
    app: Flask, db_session: Session, stakeholder_users, send_concern
) -> None:
    register(db_session, stakeholder_users["LAADULT"], f"http://127.0.0.1:{free_port()}/in")
    send_concern("adult")
    t0 = now = soon()
    for wait in BACKOFF_MINUTES:
        assert deliver(app, now) == WebhookReport(retrying=1)
        assert deliver(app, now + timedelta(minutes=wait) - timedelta(seconds=1)).attempted == 0
        now += timedelta(minutes=wait)
    assert deliver(app, now) == WebhookReport(failed=1)
    [delivery] = deliveries(db_session)
    assert (delivery.status, delivery.attempts) == ("failed", 8)
    attempts = [a.at.replace(tzinfo=UTC) for a in delivery.attempt_log]
    assert len(attempts) == 8 and not any(a.ok for a in delivery.attempt_log)
    assert timedelta(hours=20) < attempts[-1] - t0 < timedelta(hours=26)
    assert deliver(app, now + timedelta(days=2)) == WebhookReport()


def test_a_non_2xx_answer_is_retried_and_redirects_are_not_followed(
    app: Flask, db_session: Session, stakeholder_users, send_concern, receiver: Receiver
) -> None:
    register(db_session, stakeholder_users["LAADULT"], receiver.url)
    send_concern("adult")
    receiver.statuses = [500, 302]
    receiver.redirect_to = f"http://127.0.0.1:{receiver.port}/elsewhere"
    t0 = soon()
    assert deliver(app, t0) == WebhookReport(retrying=1)
    assert deliver(app, t0 + timedelta(minutes=1)) == WebhookReport(retrying=1)
    assert deliver(app, t0 + timedelta(minutes=5)) == WebhookReport(delivered=1)
    assert [r.path for r in receiver.requests] == ["/hooks/miniapps"] * 3
    assert len({r.headers["X-Miniapps-Delivery"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1  # the same body every time
    [delivery] = deliveries(db_session)
    log = [(a.ok, a.status_code, a.error) for a in delivery.attempt_log]
    assert log == [(False, 500, "HTTP 500"), (False, 302, "HTTP 302"), (True, 204, None)]


def test_a_slow_receiver_times_out_and_is_retried(
    app: Flask, db_session: Session, stakeholder_users, send_concern, receiver: Receiver
) -> None:
    register(db_session, stakeholder_users["LAADULT"], receiver.url)
    send_concern("adult")
    receiver.delay = 2.0
    assert deliver(app, soon(), timeout=0.3) == WebhookReport(retrying=1)
    [delivery] = deliveries(db_session)
    [attempt] = delivery.attempt_log
    assert attempt.error == "timed out"
    assert attempt.duration_ms < 1500


def test_a_channel_filtered_webhook_gets_only_its_channel(
    app: Flask, db_session: Session, orgs, stakeholder_users, concern_app, send_concern
) -> None:
    """LAADULT also receives children's concerns here (named in ``stakeholder_orgs``)."""
    from tests.fixtures_channels import concern_definition
    from tests.publishing import publish_app

    definition = concern_definition()
    definition["channels"][1]["stakeholder_orgs"] = ["LAADULT"]
    definition["version"] += 1
    publish_app(db_session, definition, [orgs["QWE"]])
    officer = stakeholder_users["LAADULT"]
    with Receiver() as adult, Receiver() as child, Receiver() as every:
        register(db_session, officer, adult.url, channel="adult_safeguarding")
        register(db_session, officer, child.url, channel="child_safeguarding")
        register(db_session, officer, every.url)
        send_concern("adult")
        send_concern("child")
        send_concern("quality")  # to the ICB's quality team, not LAADULT
        assert deliver(app, soon()).delivered == 4
        channels = {
            name: [verified(r)["channel"] for r in got.requests]
            for name, got in (("adult", adult), ("child", child), ("every", every))
        }
    assert channels == {
        "adult": ["adult_safeguarding"],
        "child": ["child_safeguarding"],
        "every": ["adult_safeguarding", "child_safeguarding"],
    }


def test_a_deleted_webhooks_queued_deliveries_stop(
    app: Flask, db_session: Session, stakeholder_users, send_concern, receiver: Receiver
) -> None:
    officer = stakeholder_users["LAADULT"]
    first = register(db_session, officer, receiver.url)
    second = register(db_session, officer, receiver.url + "/2")
    send_concern("adult")
    delete_webhook(db_session, Access(officer), first.id)
    # The second is deleted after its deliveries were claimed-to-be (a race): still stopped.
    second.deleted_at = datetime.now(UTC)
    db_session.commit()
    assert deliver(app, soon()) == WebhookReport(stopped=1)
    assert receiver.requests == []
    stopped = deliveries(db_session)
    assert [d.status for d in stopped] == ["failed", "failed"]
    assert all(d.attempts == 0 and "deleted" in (d.last_error or "") for d in stopped)


def test_the_address_rules_are_checked_again_at_delivery(
    app: Flask, db_session: Session, stakeholder_users, send_concern, receiver: Receiver
) -> None:
    register(db_session, stakeholder_users["LAADULT"], receiver.url)
    send_concern("adult")
    # 127.0.0.1 is no longer listed as an insecure host: refused, logged, retried later.
    assert deliver(app, soon(), insecure=frozenset()) == WebhookReport(retrying=1)
    assert receiver.requests == []
    [delivery] = deliveries(db_session)
    [attempt] = delivery.attempt_log
    assert attempt.error is not None and attempt.error.startswith("refused: ")
    assert "https://" in attempt.error


def test_the_scheduler_runs_the_webhooks_job(
    app: Flask,
    db_session: Session,
    stakeholder_users,
    send_concern,
    receiver: Receiver,
    monkeypatch,
) -> None:
    monkeypatch.setitem(app.config, "WEBHOOK_INSECURE_HOSTS", "127.0.0.1")
    register(db_session, stakeholder_users["LAADULT"], receiver.url)
    send_concern("adult")
    now = soon()
    outcome = SchedulerProcess(app, clock=lambda: now).run_once()
    assert outcome.errors == {}
    assert outcome.results["webhooks"] == WebhookReport(delivered=1)
    assert verified(receiver.requests[0])["event"] == "item.sent"
    assert db_session.scalars(select(WebhookAttempt)).one().ok
