"""Posting queued webhook deliveries (the scheduler's ``webhooks`` job).

Each due delivery (``queued``, ``next_attempt_at`` passed) is claimed first, in one short
transaction, so two schedulers never post the same delivery at once; no transaction stays
open while talking to a receiver. The body is the text fixed when the event was queued,
sent byte for byte, with the headers ``Content-Type: application/json``,
``X-Miniapps-Event``, ``X-Miniapps-Delivery`` and ``X-Miniapps-Signature:
sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook's secret>``.

The URL rules (:mod:`~miniapps.services.channels.webhook_policy`) are checked again before
each post and the connection goes to the very addresses that were checked. Redirects are
not followed (a 3xx is a failure), and every socket operation times out after
``timeout`` seconds (10 by default), so a slow receiver cannot hold the scheduler.

A 2xx answer ends a delivery (``delivered``). Anything else (another status, a refused
or timed-out connection, a URL now refused) is one failed attempt: logged in
``webhook_attempts`` and retried with exponential backoff, ``1 min * 4 ** (n - 1)`` after the
n-th failure, at most 8 hours. Attempts 1 to 8 are made this long after the first:
0, 1 min, 5 min, 21 min, 1 h 25 min, 5 h 41 min, 13 h 41 min and 21 h 41 min.
After the 8th failed attempt (``max_attempts``) the delivery is ``failed``. Delivery is
at least once: a process killed mid-post posts again once its claim runs out
(:func:`claim_hold`, 80 s by default; see :mod:`miniapps.services.claims`), with the same
``X-Miniapps-Delivery`` id so the receiver can tell. A deleted webhook's queued
deliveries stop (``failed``, without another attempt).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from miniapps.models import WebhookAttempt, WebhookDelivery
from miniapps.services.channels.webhook_http import Posted, post_json
from miniapps.services.channels.webhook_policy import Resolver, insecure_hosts
from miniapps.services.claims import claim_due, too_late_to_start, unclaim

log = logging.getLogger(__name__)

# One post is at most connect, send, the status line and the answer, each bounded by
# ``timeout`` (a receiver trickling bytes can take longer: the job's time budget ends it).
POST_ROUND_TRIPS = 4
RETRY_BASE = timedelta(minutes=1)
RETRY_FACTOR = 4
RETRY_CAP = timedelta(hours=8)
STOPPED_ON_DELETE = "The webhook was deleted before this delivery was sent."


@dataclass(frozen=True)
class WebhookConfig:
    insecure_hosts: frozenset[str] = frozenset()
    timeout: float = 10.0  # seconds, per connect and per read
    max_attempts: int = 8
    batch_size: int = 10
    time_budget: float = 60.0  # seconds: claim no further batch after this in one run

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookConfig:
        return cls(insecure_hosts=insecure_hosts(config))


@dataclass
class WebhookReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: int = 0  # the webhook was deleted

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True)
class Outgoing:
    """What one post needs, read in a short session of its own."""

    delivery_id: int
    delivery: str
    event: str
    body: bytes
    url: str
    secret: str


def retry_delay(failures: int) -> timedelta:
    """The wait after the ``failures``-th failed attempt: 1, 4, 16, 64, 256 minutes, then
    8 hours."""
    factor: int = RETRY_FACTOR ** max(failures - 1, 0)
    return min(RETRY_BASE * factor, RETRY_CAP)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Miniapps-Signature`` header value of ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def deliver_due(
    session_factory: Callable[[], Session],
    config: WebhookConfig,
    now: datetime,
    *,
    resolver: Resolver | None = None,
) -> WebhookReport:
    """Post every delivery due at ``now``; never raises for a receiver's problem."""
    now = _as_utc(now)
    report = WebhookReport()
    deadline = time.monotonic() + config.time_budget
    # A processed delivery is never due again at ``now`` (delivered, failed, or retried a
    # minute later at the earliest), so this ends; the budget ends it sooner.
    hold = claim_hold(config)
    while claimed := claim_due(session_factory, WebhookDelivery, now, config.batch_size, hold):
        started = time.monotonic()
        for index, delivery_id in enumerate(claimed):
            if too_late_to_start(started, time.monotonic(), hold):
                unclaim(session_factory, WebhookDelivery, claimed[index:], now, now + hold)
                return report
            outgoing = _load(session_factory, delivery_id)
            if outgoing is None:
                report.stopped += 1
                continue
            posted = post_json(
                outgoing.url,
                outgoing.body,
                _headers(outgoing),
                insecure=config.insecure_hosts,
                timeout=config.timeout,
                resolver=resolver,
            )
            outcome = _record(session_factory, outgoing, now, posted, config.max_attempts)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if len(claimed) < config.batch_size or time.monotonic() > deadline:
            break
    return report


def claim_hold(config: WebhookConfig) -> timedelta:
    """How long a claimed delivery is left to its poster: twice the longest post."""
    return timedelta(seconds=2 * POST_ROUND_TRIPS * config.timeout)


def stop_queued(session: Session, webhook_id: int) -> None:
    """End the queued deliveries of a deleted webhook (flush only)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "queued")
        .values(status="failed", last_error=STOPPED_ON_DELETE)
        .execution_options(synchronize_session=False)
    )


def _headers(outgoing: Outgoing) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "miniapps-webhooks/1",
        "X-Miniapps-Event": outgoing.event,
        "X-Miniapps-Delivery": outgoing.delivery,
        "X-Miniapps-Signature": signature(outgoing.secret, outgoing.body),
    }


def _load(session_factory: Callable[[], Session], delivery_id: int) -> Outgoing | None:
    """The delivery's request; None (and the delivery stopped) if its webhook is gone."""
    with session_factory() as session, session.begin():
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        webhook = delivery.webhook
        if webhook.deleted_at is not None:
            stop_queued(session, webhook.id)
            return None
        return Outgoing(
            delivery_id=delivery.id,
            delivery=delivery.delivery,
            event=delivery.event,
            body=delivery.body.encode("utf-8"),
            url=webhook.url,
            secret=webhook.secret,
        )


def _record(
    session_factory: Callable[[], Session],
    outgoing: Outgoing,
    now: datetime,
    posted: Posted,
    max_attempts: int,
) -> str:
    """Log the attempt and move the delivery on; return the report field to count."""
    this = WebhookDelivery.id == outgoing.delivery_id
    with session_factory() as session, session.begin():
        # Write first: on SQLite a transaction that reads before writing cannot wait for
        # the lock (its snapshot may be stale); one that writes first can.
        attempts = session.scalar(
            update(WebhookDelivery)
            .where(this)
            .values(
                attempts=WebhookDelivery.attempts + 1,
                last_status=posted.status,
                last_error=posted.error,
            )
            .returning(WebhookDelivery.attempts)
            .execution_options(synchronize_session=False)
        )
        assert attempts is not None
        session.add(
            WebhookAttempt(
                delivery_id=outgoing.delivery_id,
                at=now,
                ok=posted.ok,
                status_code=posted.status,
                error=posted.error,
                duration_ms=posted.duration_ms,
            )
        )
        changes: dict[str, Any]
        if posted.ok:
            outcome, changes = "delivered", {"status": "delivered", "delivered_at": now}
        elif attempts >= max_attempts:
            outcome, changes = "failed", {"status": "failed"}
        else:
            outcome, changes = "retrying", {"next_attempt_at": now + retry_delay(attempts)}
        session.execute(
            update(WebhookDelivery)
            .where(this)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
    log.info(
        "webhook delivery %s (%s), attempt %d: %s%s",
        outgoing.delivery,
        outgoing.event,
        attempts,
        outcome,
        f" ({posted.error})" if posted.error else "",
    )
    return outcome


def _as_utc(moment: datetime) -> datetime:
    """UTC-aware; SQLite hands back naive datetimes, which are UTC here."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
