"""A new record's object as both ways of storing one build it: a draft added through the
ORM (:func:`~miniapps.services.records.lifecycle.create_record`) and a record inserted
already submitted (:mod:`~miniapps.services.records.direct_submit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

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
    that follows needs to read them. Its organisation, (no) channel items and makers are
    set as already known, not as changes: nothing looks them up later, and the record is
    made in half the time (the ids they stand for are set as columns). Adding the record
    to a session brings them into it, so the makers are set only when ``org``'s session
    holds them (else ``created_by`` is looked up by its id when read, as before)."""
    actor_id = actor.id if actor else None
    record = Record(
        app_id=app.id,
        app_version=definition.version,
        organisation_id=org.id,
        period=period,
        period_slot=slot,
        data=data,
        status=status,
        created_by_id=actor_id,
        updated_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    known: list[tuple[str, Any]] = [("organisation", org), ("channel_items", [])]
    if actor is None:
        known += [("created_by", None), ("updated_by", None)]
    else:
        state = inspect(actor)  # the user's, also when given through Flask-Login's proxy
        if state.session is inspect(org).session:
            user = state.obj()
            known += [("created_by", user), ("updated_by", user)]
    for key, value in known:
        set_committed_value(record, key, value)
    return record
