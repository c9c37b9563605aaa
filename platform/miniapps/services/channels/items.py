"""Channel items as a caller may see them, and their JSON shape."""

from __future__ import annotations

from typing import Any

from miniapps.models import ChannelItem, Record
from miniapps.services.permissions import Access
from miniapps.services.records.representation import timestamp


def visible_items(access: Access, record: Record) -> list[ChannelItem]:
    """The record's items ``access`` may see: a stakeholder its own organisation's; the
    provider side (whoever may see the record as a provider) all of them."""
    if access.sees_as_provider(record):
        return list(record.channel_items)
    return [i for i in record.channel_items if i.stakeholder_id in access.stakeholder_org_ids]


def item_json(item: ChannelItem) -> dict[str, Any]:
    return {
        "channel": item.channel,
        "stakeholder": item.stakeholder.ods,
        "sent_at": timestamp(item.sent_at),
        "acknowledge_by": timestamp(item.acknowledge_by),
        "decide_by": timestamp(item.decide_by),
        "acknowledged_at": timestamp(item.acknowledged_at),
        "decided_at": timestamp(item.decided_at),
        "closed_at": timestamp(item.closed_at),
        "breached": item.breached,
    }
