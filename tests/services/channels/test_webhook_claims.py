"""Two schedulers delivering webhooks at the same moment post each delivery once: every
delivery is claimed before it is posted. Real receiver, database of committed data
(SQLite file or a PostgreSQL database of its own)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from miniapps.db import db
from miniapps.models import Webhook, WebhookAttempt, WebhookDelivery
from miniapps.services.channels.webhook_delivery import (
    WebhookConfig,
    WebhookReport,
    claim_hold,
    deliver_due,
)
from miniapps.services.claims import claim_due
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations
from sqlalchemy import func, select

from tests.services.channels.webhook_receiver import Receiver

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COUNT = 12


def _queue(app: Flask, url: str) -> None:
    with db.transaction(app) as session:
        stakeholder = OrgRow("LAADULT", "Adult Safeguarding", "stakeholder", None)
        upsert_organisations(session, [stakeholder])
        webhook = Webhook(
            organisation=by_ods(session, "LAADULT"), url=url, secret="s" * 16, created_at=T0
        )
        session.add(webhook)
        session.flush()
        for n in range(COUNT):
            delivery = str(uuid.uuid4())
            session.add(
                WebhookDelivery(
                    webhook_id=webhook.id,
                    delivery=delivery,
                    event="item.comment",
                    body=json.dumps({"event": "item.comment", "delivery": delivery, "n": n}),
                    next_attempt_at=T0,
                    created_at=T0,
                )
            )


def test_two_schedulers_post_each_delivery_once(shared_app: Flask) -> None:
    config = WebhookConfig(insecure_hosts=frozenset({"127.0.0.1"}), batch_size=3)
    reports: list[WebhookReport] = []
    errors: list[BaseException] = []
    with Receiver() as receiver:
        receiver.delay = 0.02  # long enough for the two to overlap
        _queue(shared_app, receiver.url)
        barrier = threading.Barrier(2)

        def run() -> None:
            try:
                barrier.wait()
                now = T0 + timedelta(seconds=1)
                reports.append(deliver_due(lambda: db.new_session(shared_app), config, now))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors, errors
    posted = [r.headers["X-Miniapps-Delivery"] for r in receiver.requests]
    assert len(posted) == COUNT and len(set(posted)) == COUNT
    assert sum(report.delivered for report in reports) == COUNT
    with db.new_session(shared_app) as session:
        assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == COUNT
        statuses = session.scalars(select(WebhookDelivery.status)).all()
        assert set(statuses) == {"delivered"}


def test_a_killed_posters_claims_are_posted_once_its_short_claim_runs_out(
    shared_app: Flask,
) -> None:
    """A scheduler killed after claiming a batch (it posted nothing) leaves the deliveries
    to the next run once its claim runs out: twice the longest post (80 s by default), not
    ten minutes; each is posted once."""
    config = WebhookConfig(insecure_hosts=frozenset({"127.0.0.1"}), batch_size=COUNT)
    hold = claim_hold(config)
    assert hold == timedelta(seconds=80)
    with Receiver() as receiver:
        _queue(shared_app, receiver.url)
        factory = lambda: db.new_session(shared_app)  # noqa: E731
        killed = claim_due(factory, WebhookDelivery, T0, COUNT, hold)  # then it died
        assert len(killed) == COUNT
        assert deliver_due(factory, config, T0 + hold - timedelta(seconds=1)).delivered == 0
        report = deliver_due(factory, config, T0 + hold + timedelta(seconds=1))
    assert report.delivered == COUNT
    posted = [r.headers["X-Miniapps-Delivery"] for r in receiver.requests]
    assert len(posted) == len(set(posted)) == COUNT


def test_a_poster_hands_back_what_it_is_too_late_to_start(shared_app: Flask) -> None:
    """Past half its claim a poster starts no more posts: the rest are due again at once
    for the next run (never posted twice, never left claimed)."""
    config = WebhookConfig(insecure_hosts=frozenset({"127.0.0.1"}), batch_size=COUNT, timeout=0.1)
    with Receiver() as receiver:
        receiver.delay = 0.25  # each post times out after 0.1 s: about four fit in half a claim
        _queue(shared_app, receiver.url)
        factory = lambda: db.new_session(shared_app)  # noqa: E731
        first = deliver_due(factory, config, T0)
        with db.new_session(shared_app) as session:
            due_now = session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == "queued", WebhookDelivery.next_attempt_at <= T0)
            )
    handled = first.attempted + first.stopped
    assert 0 < handled < COUNT
    assert due_now == COUNT - handled
