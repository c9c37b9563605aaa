"""Webhook events queued in the transaction of what caused them: one delivery per
matching webhook of the item's stakeholder, with the body fixed (and later signed) now.
The scheduler posts them (:mod:`miniapps.services.channels.webhook_delivery`)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from miniapps.models import ChannelItem, Webhook, WebhookDelivery
from miniapps.services.channels.items import item_json
from miniapps.services.records.representation import record_json, timestamp


def queue_item_event(
    session: Session, item: ChannelItem, event: str, now: datetime
) -> list[WebhookDelivery]:
    """Queue ``event`` (``item.sent``, ``item.action``, ``item.comment``) for every live
    webhook of the item's stakeholder that listens to its channel."""
    hooks = session.scalars(
        select(Webhook)
        .where(
            Webhook.organisation_id == item.stakeholder_id,
            Webhook.deleted_at.is_(None),
            or_(Webhook.channel.is_(None), Webhook.channel == item.channel),
        )
        .order_by(Webhook.id)
    ).all()
    queued: list[WebhookDelivery] = []
    for hook in hooks:
        delivery = str(uuid.uuid4())
        record = {**record_json(item.record), "channels": [item_json(item)]}
        body = {
            "event": event,
            "delivery": delivery,
            "channel": item.channel,
            "stakeholder": item.stakeholder.ods,
            "record": record,
            "at": timestamp(now),
        }
        row = WebhookDelivery(
            webhook_id=hook.id,
            delivery=delivery,
            event=event,
            item_id=item.id,
            body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        queued.append(row)
    return queued
