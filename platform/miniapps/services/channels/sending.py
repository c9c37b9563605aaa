"""Sending records through channels, and the clocks each workflow step moves.

Everything happens in the transaction of the step that caused it (flush only): a step
that fails sends nothing, and an item exists once per (record, channel, stakeholder), so
a step retried, or a record sent again after an information request, makes no second
item. Emails name the record and link to it, never its data; webhooks get the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import STAKEHOLDER, Channel, Sla, channels_of
from miniapps.core.channels.working_days import hours_deadline, working_day_deadline
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.workflow import Transition, Workflow
from miniapps.models import ChannelItem, Membership, Organisation, Record, User
from miniapps.services.channels.calendar import holidays
from miniapps.services.channels.stakeholders import recipients
from miniapps.services.channels.webhook_queue import queue_item_event
from miniapps.services.notifications.events import queue_notification, record_context


def send_on_events(
    session: Session,
    record: Record,
    definition: AppDefinition,
    events: Sequence[str],
    actor: User | None,
    base_url: str | None,
    now: datetime | None = None,
) -> list[ChannelItem]:
    """Send ``record`` through every channel that fires on ``events``; returns the items
    made now (an item that already existed is sent again: counted, not duplicated)."""
    now = now or datetime.now(UTC)
    made: list[ChannelItem] = []
    calendar: frozenset[date] | None = None
    for channel in channels_of(definition.channels):
        if not channel.fires(events, record.data):
            continue
        existing = {i.stakeholder_id: i for i in record.channel_items if i.channel == channel.id}
        for stakeholder in recipients(session, channel, record.organisation):
            item = existing.get(stakeholder.id)
            if item is not None:
                item.sends += 1
                item.changed_at = now
                _tell_stakeholder(session, item, channel.title, "resent", actor, base_url)
                continue
            if calendar is None:
                calendar = holidays(session)
            item = _new_item(record, channel, stakeholder, now, calendar)
            session.add(item)
            session.flush()
            made.append(item)
            queue_item_event(session, item, "item.sent", now)
            _tell_stakeholder(session, item, channel.title, "sent", actor, base_url)
    return made


def on_step(
    session: Session,
    record: Record,
    definition: AppDefinition,
    workflow: Workflow,
    transition: Transition,
    old_status: str,
    actor: User | None,
    base_url: str | None,
    acting_for: frozenset[int] = frozenset(),
) -> None:
    """After a workflow step: stop the clocks it stops, close items when the record
    reaches a final state, tell webhooks, then send through channels it fires.

    ``acting_for``: the stakeholder organisations the actor acts for; a stakeholder-side
    step moves the clocks of their items only."""
    now = datetime.now(UTC)
    channels = {c.id: c for c in channels_of(definition.channels)}
    for item in list(record.channel_items):
        if transition.side == STAKEHOLDER and item.stakeholder_id not in acting_for:
            continue
        # A channel a later version dropped keeps its items; their clocks use the defaults.
        sla = channels[item.channel].sla if item.channel in channels else Sla()
        if item.acknowledged_at is None and sla.acknowledges(transition, False):
            item.acknowledged_at = now
        if item.decided_at is None and sla.decides(transition, workflow):
            item.decided_at = now
        item.closed_at = now if workflow.is_final(record.status) else None
        item.changed_at = now
        queue_item_event(session, item, "item.action", now)
    events = workflow.step_events(transition, old_status)
    send_on_events(session, record, definition, events, actor, base_url, now)


def touch_items(session: Session, record: Record, event: str | None = None) -> None:
    """Mark the record's items changed (a comment, an edit) for the live inbox; with
    ``event``, tell their webhooks too."""
    now = datetime.now(UTC)
    for item in record.channel_items:
        item.changed_at = now
        if event is not None:
            queue_item_event(session, item, event, now)


def _new_item(
    record: Record,
    channel: Channel,
    stakeholder: Organisation,
    now: datetime,
    calendar: frozenset[date],
) -> ChannelItem:
    sla = channel.sla
    acknowledge_by = None
    if sla.urgent(record.data) and sla.acknowledge_hours is not None:
        acknowledge_by = hours_deadline(now, sla.acknowledge_hours)
    elif sla.acknowledge_working_days is not None:
        acknowledge_by = working_day_deadline(now, sla.acknowledge_working_days, calendar)
    decide_by = None
    if sla.decide_working_days is not None:
        decide_by = working_day_deadline(now, sla.decide_working_days, calendar)
    return ChannelItem(
        record=record,
        app_id=record.app_id,
        channel=channel.id,
        stakeholder=stakeholder,
        provider_id=record.organisation_id,
        sent_at=now,
        acknowledge_by=acknowledge_by,
        decide_by=decide_by,
        changed_at=now,
    )


def stakeholder_users(session: Session, stakeholder_id: int) -> list[User]:
    """Active users acting for a stakeholder organisation."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == stakeholder_id,
                Membership.role == "stakeholder",
                User.active,
            )
            .order_by(User.id)
            .distinct()
        )
    )


def _tell_stakeholder(
    session: Session,
    item: ChannelItem,
    channel_title: str,
    kind: str,
    actor: User | None,
    base_url: str | None,
) -> None:
    """Email the stakeholder's people that an item arrived (or came back): a link only."""
    if not base_url:
        return
    people = [u for u in stakeholder_users(session, item.stakeholder_id) if u is not actor]
    context = {
        **record_context(session, item.record, base_url=base_url, actor=actor),
        "kind": kind,
        "channel_title": channel_title,
        "stakeholder_name": item.stakeholder.name,
    }
    queue_notification(
        session, "channel_item", recipients=people, context=context, record=item.record, urgent=True
    )
