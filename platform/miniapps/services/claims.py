"""Claiming queued rows for delivery (emails in the outbox, webhook deliveries): each row
is taken by one sender at a time, even with two schedulers running.

A claimed row's ``next_attempt_at`` moves ``hold`` ahead: a sender killed mid-delivery
leaves it to be taken again after that, never lost. The hold is twice the longest one
delivery can take, and a sender starts no delivery in the second half of its claim
(:func:`too_late_to_start`): it hands the rest back (:func:`unclaim`), so a claim never
runs out while its row is being sent, and a restarted scheduler resumes within minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from miniapps.models import OutboxMessage, WebhookDelivery

Queued = type[OutboxMessage] | type[WebhookDelivery]


def claim_due(
    session_factory: Callable[[], Session],
    model: Queued,
    now: datetime,
    limit: int,
    hold: timedelta,
) -> list[int]:
    """Ids of up to ``limit`` queued rows of ``model`` due at ``now``, now claimed."""
    due = (model.status == "queued", model.next_attempt_at <= now)
    # PostgreSQL: SKIP LOCKED lets concurrent senders take different rows. SQLite has no
    # row locks, but this UPDATE is the transaction's first statement: it waits for the
    # single write lock and then sees current rows, and ``due`` is checked again.
    candidates = (
        select(model.id)
        .where(*due)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(model)
        .where(model.id.in_(candidates), *due)
        .values(next_attempt_at=now + hold)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    with session_factory() as session, session.begin():
        return sorted(session.scalars(claim))


def too_late_to_start(started: float, now: float, hold: timedelta) -> bool:
    """Whether a sender that claimed a batch at monotonic time ``started`` should hand the
    rest back rather than start one more delivery at ``now`` (past half the hold)."""
    return now - started > hold.total_seconds() / 2


def unclaim(
    session_factory: Callable[[], Session],
    model: Queued,
    ids: list[int],
    now: datetime,
    claimed_until: datetime,
) -> None:
    """Hand back claimed rows not started: due again at ``now``, unless someone else
    has moved them on since (their ``next_attempt_at`` is no longer ``claimed_until``)."""
    with session_factory() as session, session.begin():
        session.execute(
            update(model)
            .where(
                model.id.in_(ids),
                model.status == "queued",
                model.next_attempt_at == claimed_until,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
