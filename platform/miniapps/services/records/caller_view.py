"""A record as one caller sees it: its own members (:func:`record_json`) with the channel
items the caller may see (``channels``) and the workflow actions the caller may take now
(``actions``), the shape every API record answer has.

For a page of records the channel items (with their stakeholders) are loaded in one
statement; the actions are worked out record by record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from miniapps.core.workflow import Transition, Workflow
from miniapps.models import ChannelItem, Record
from miniapps.services.channels.items import item_json, visible_items
from miniapps.services.definitions import record_definition
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import allowed_actions
from miniapps.services.records.representation import record_json


def action_json(workflow: Workflow, transition: Transition) -> dict[str, Any]:
    return {
        "action": transition.action,
        "title": transition.title,
        "comment_required": transition.comment_required,
        "requires_fields": list(workflow.required_fields(transition)),
        "fields": list(transition.fields),
    }


def record_for_caller(session: Session, access: Access, record: Record) -> dict[str, Any]:
    """``record`` as JSON for ``access``: with ``channels`` and ``actions``."""
    workflow = Workflow(record_definition(session, record).workflow)
    return {
        **record_json(record),
        "actions": [action_json(workflow, t) for t in allowed_actions(access, session, record)],
        "channels": [item_json(item) for item in visible_items(access, record)],
    }


def records_for_caller(
    session: Session, access: Access, records: Sequence[Record]
) -> list[dict[str, Any]]:
    """:func:`record_for_caller` for each of ``records`` (a page), items loaded at once."""
    preload_items(session, records)
    return [record_for_caller(session, access, record) for record in records]


def preload_items(session: Session, records: Sequence[Record]) -> None:
    """Load the channel items (and their stakeholders) of the ``records`` that have not
    loaded them yet, in one statement."""
    pending = {r.id: r for r in records if "channel_items" in inspect(r).unloaded}
    if not pending:
        return
    found: dict[int, list[ChannelItem]] = {rid: [] for rid in pending}
    items = session.scalars(
        select(ChannelItem)
        .where(ChannelItem.record_id.in_(sorted(pending)))
        .options(joinedload(ChannelItem.stakeholder))
        .order_by(ChannelItem.id)
    )
    for item in items:
        found[item.record_id].append(item)
    for rid, record in pending.items():
        set_committed_value(record, "channel_items", found[rid])
