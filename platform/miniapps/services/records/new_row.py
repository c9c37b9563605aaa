"""A new record's object as both ways of storing one build it: a draft added through the
ORM (:func:`~miniapps.services.records.lifecycle.create_record`) and a record inserted
already submitted (:mod:`~miniapps.services.records.direct_submit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.models import App, Organisation, Record, User


def new_record(
    app: App,
    org: Organisation,
    definition: AppDefinition,
    data: Any,
    *,
    status: str,
    actor: User | None,
    period: str | None,
    slot: str | None,
    now: datetime,
) -> Record:
    """``org``'s new record of ``app`` (made with ``definition``), created and last
    changed ``now`` by ``actor``; in no session yet. It has no channel items, so nothing
    that follows needs to read them."""
    actor_id = actor.id if actor else None
    return Record(
        app_id=app.id,
        app_version=definition.version,
        organisation=org,
        period=period,
        period_slot=slot,
        data=data,
        status=status,
        created_by_id=actor_id,
        updated_by_id=actor_id,
        created_at=now,
        updated_at=now,
        channel_items=[],
    )
