"""Daily digests: notifications held for users who chose them, sent as one email a day.

:func:`route` is where every notification email goes: to the outbox at once, or held
(:class:`HeldNotification`) for the recipient's digest when they chose a digest for that
app and the message is not urgent. :func:`queue_digests` (the ``daily_digest`` job) puts
each user's held items into one email. It re-checks, item by item, that the recipient
may still see the record (or the organisation's records of the app); what they may no
longer see is withheld, never sent.

**Exactly once.** A digest's outbox ``dedupe_key`` is ``digest:<day>:user:<id>``, and
its items are marked sent in the same transaction that queues it: a second run, a
restart or a racing scheduler finds the key and queues nothing; a racing transaction
that loses the insert marks nothing. Items that arrive after the day's digest wait for
the next day's. Flush only; the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapps.models import App, HeldNotification, Organisation, OutboxMessage, Record, User
from miniapps.models.notification_preference import DIGEST
from miniapps.services.notifications.addressees import Addressee
from miniapps.services.notifications.outbox import (
    Batch,
    RenderedEmail,
    outbox_message,
    queue_email,
    render_email,
)
from miniapps.services.notifications.preferences import delivery_for
from miniapps.services.permissions import READ, Access


@dataclass
class DigestReport:
    digests: int = 0  # emails queued
    items: int = 0  # notifications they list
    withheld: int = 0  # items the recipient may no longer see


def already_notified(session: Session, dedupe_key: str) -> bool:
    """Whether a message with this key was queued or held (a reminder is one or the other)."""
    return any(
        session.scalar(select(model.id).where(model.dedupe_key == dedupe_key))
        for model in (OutboxMessage, HeldNotification)
    )


def route(
    session: Session,
    user: Addressee,
    email: RenderedEmail,
    *,
    url: str,
    urgent: bool,
    app_id: str | None = None,
    record: Record | None = None,
    organisation: Organisation | None = None,
    message: str | None = None,
    dedupe_key: str | None = None,
    delivery: str | None = None,
    batch: Batch | None = None,
) -> OutboxMessage | HeldNotification | None:
    """Queue ``email`` to ``user`` now, or hold it for their digest; None if deduplicated.
    ``delivery``: the user's delivery for ``app_id`` when the caller read it already.
    ``batch``: where an email sent now (without ``dedupe_key``) waits to be written with
    the change's others (:class:`~miniapps.services.notifications.outbox.Batch`)."""
    if dedupe_key is not None and already_notified(session, dedupe_key):
        return None
    if delivery is None and not urgent:
        delivery = delivery_for(session, user, app_id)
    if (urgent or delivery != DIGEST) and batch is not None and dedupe_key is None:
        return batch.add(
            outbox_message(
                to=user.email, subject=email.subject, text=email.text, html=email.html, user=user
            )
        )
    if urgent or delivery != DIGEST:
        return queue_email(
            session,
            to=user.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            user=user,
            dedupe_key=dedupe_key,
        )
    held = HeldNotification(
        user_id=user.id,
        subject=email.subject,
        message=message,
        url=url[:1000],
        app_id=app_id,
        organisation_id=organisation.id if organisation is not None else None,
        record_id=record.id if record is not None else None,
        dedupe_key=dedupe_key,
    )
    try:
        with session.begin_nested():  # a lost dedupe race undoes this insert only
            session.add(held)
            session.flush()
    except IntegrityError:
        return None
    return held


def digest_day(now: datetime, hour: int, zone: tzinfo) -> date:
    """The day whose digest is due at ``now``: today from ``hour`` o'clock (local time),
    else yesterday (sent now if it was missed while no scheduler ran)."""
    local = now.astimezone(zone)
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def queue_digests(session: Session, now: datetime, *, day: date, base_url: str) -> DigestReport:
    """Queue ``day``'s digest for every user with held notifications; idempotent."""
    report = DigestReport()
    user_ids = session.scalars(
        select(HeldNotification.user_id)
        .where(HeldNotification.status == "held", HeldNotification.created_at <= now)
        .distinct()
    )
    for user_id in sorted(user_ids):
        key = f"digest:{day.isoformat()}:user:{user_id}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue  # today's digest went already: these wait for tomorrow's
        user = session.get(User, user_id)
        assert user is not None  # held rows go with their user (ON DELETE CASCADE)
        items = list(
            session.scalars(
                select(HeldNotification)
                .where(
                    HeldNotification.user_id == user_id,
                    HeldNotification.status == "held",
                    HeldNotification.created_at <= now,
                )
                .order_by(HeldNotification.created_at, HeldNotification.id)
            )
        )
        visible = [item for item in items if _may_see(session, user, item)]
        withheld = [item.id for item in items if item not in visible]
        _mark(session, withheld, "withheld", None)
        report.withheld += len(withheld)
        if not visible or not user.email:
            continue
        email = render_email(
            "digest",
            recipient_name=user.name,
            day=f"{day.day} {day:%B %Y}",
            items=[_item(item) for item in visible],
            settings_url=f"{base_url.rstrip('/')}/account/notifications",
        )
        message = queue_email(
            session,
            to=user.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            user=user,
            dedupe_key=key,
        )
        if message is None:
            continue  # another scheduler queued this digest a moment ago
        _mark(session, [item.id for item in visible], "sent", message.id)
        report.digests += 1
        report.items += len(visible)
    return report


def _may_see(session: Session, user: User, item: HeldNotification) -> bool:
    if not user.active:
        return False
    app = session.get(App, item.app_id) if item.app_id else None
    access = Access(user)
    if item.record_id is not None:
        record = session.get(Record, item.record_id)
        return record is not None and access.can_see_record(record, app)
    if item.organisation_id is not None:
        org = session.get(Organisation, item.organisation_id)
        return org is not None and access.can(READ, org, app)
    return True


def _item(item: HeldNotification) -> dict[str, Any]:
    return {"subject": item.subject, "message": item.message, "url": item.url}


def _mark(session: Session, ids: list[int], status: str, message_id: int | None) -> None:
    """Only rows still held: a racing run that already marked them wins."""
    if not ids:
        return
    session.execute(
        update(HeldNotification)
        .where(HeldNotification.id.in_(ids), HeldNotification.status == "held")
        .values(status=status, digest_message_id=message_id)
        .execution_options(synchronize_session="fetch")
    )
