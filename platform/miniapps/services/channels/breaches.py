"""SLA breaches of channel items, marked and escalated by the scheduler (``channel_sla``).

A clock *runs out* when its deadline has passed (``deadline < now``) while the item is
open (``closed_at`` unset) and the step that stops it has not been taken
(``acknowledged_at`` / ``decided_at`` unset). Then, once per (item, clock):

- **level 1** at the first run after the deadline: a :class:`ChannelBreach`, the item
  marked ``breached`` (and ``changed_at``, for the live inbox), an email to the
  stakeholder organisation's users and to the provider's managers;
- **level 2** when the channel's ``sla`` names ``escalate_to``, at the first run from
  ``deadline + escalate_after_hours`` (clock hours) while the clock still runs: an email
  to the users holding those roles above the record's organisation, and to the
  stakeholder organisation's users when ``"stakeholder"`` is listed.

**Exactly once.** The breach row is the claim: unique per (item, clock, level) and
inserted in a savepoint, so a racing transaction that loses the insert does nothing
more; each email also carries the outbox key ``channel-breach:<item>:<clock>:<level>``.
Emails name the record and link to it, never its data. Flush only; the job commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from miniapps.core.channels.definition import Channel, channels_of
from miniapps.core.channels.working_days import LONDON
from miniapps.models import ChannelBreach, ChannelItem
from miniapps.services.channels.sending import stakeholder_users
from miniapps.services.definitions import record_definition
from miniapps.services.notifications.addressees import Addressee
from miniapps.services.notifications.events import (
    queue_notification,
    recipients_for,
    record_context,
)

ACKNOWLEDGE, DECIDE = "acknowledge", "decide"
CLOCK_DONE = {ACKNOWLEDGE: "acknowledged", DECIDE: "decided"}
PROVIDER_MANAGERS = ("practice_manager", "pcn_manager")
STAKEHOLDER_ROLE = "stakeholder"  # in ``escalate_to``: the stakeholder organisation's users
MARKED, ESCALATED = 1, 2


@dataclass
class BreachReport:
    breaches: int = 0  # level 1 marked now
    escalations: int = 0  # level 2 taken now
    emails: int = 0  # queued for both


def mark_breaches(session: Session, now: datetime, base_url: str) -> BreachReport:
    """Mark every clock that ran out by ``now`` and escalate those due (idempotent)."""
    now = _utc(now)
    report = BreachReport()
    channels = _ChannelLookup(session)
    for clock in (ACKNOWLEDGE, DECIDE):
        items = _overdue(session, clock, now)
        taken = _levels_taken(session, clock, [item.id for item in items])
        for item in items:
            deadline = _utc(_deadline(item, clock))
            channel = channels.of(item)
            levels = taken.get(item.id, set())
            if MARKED not in levels and _claim(session, item, clock, MARKED, now):
                item.breached = True
                item.changed_at = now
                report.breaches += 1
                people = [
                    *stakeholder_users(session, item.stakeholder_id),
                    *recipients_for(session, item.record, PROVIDER_MANAGERS),
                ]
                report.emails += _tell(
                    session, item, clock, MARKED, channel, deadline, people, base_url
                )
            if channel is None or not channel.sla.escalate_to or ESCALATED in levels:
                continue
            if now < deadline + timedelta(hours=channel.sla.escalate_after_hours):
                continue
            if _claim(session, item, clock, ESCALATED, now):
                report.escalations += 1
                people = _escalation_people(session, item, channel.sla.escalate_to)
                report.emails += _tell(
                    session, item, clock, ESCALATED, channel, deadline, people, base_url
                )
    return report


def due_text(moment: datetime) -> str:
    """A deadline as people in England read it: ``23:59 on Tuesday 29 December 2026``."""
    local = _utc(moment).astimezone(LONDON)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"


def _overdue(session: Session, clock: str, now: datetime) -> list[ChannelItem]:
    """Open items whose ``clock`` ran out and that have not been escalated for it: the
    deadline filter keeps this to the few items actually late."""
    if clock == ACKNOWLEDGE:
        deadline, stopped = ChannelItem.acknowledge_by, ChannelItem.acknowledged_at
    else:
        deadline, stopped = ChannelItem.decide_by, ChannelItem.decided_at
    escalated = exists().where(
        ChannelBreach.item_id == ChannelItem.id,
        ChannelBreach.clock == clock,
        ChannelBreach.level == ESCALATED,
    )
    query = select(ChannelItem).where(
        deadline < now,
        stopped.is_(None),
        ChannelItem.closed_at.is_(None),
        ~escalated,
    )
    query = query.options(selectinload(ChannelItem.record)).order_by(ChannelItem.id)
    return list(session.scalars(query))


def _levels_taken(session: Session, clock: str, item_ids: list[int]) -> dict[int, set[int]]:
    taken: dict[int, set[int]] = {}
    if not item_ids:
        return taken
    rows = session.execute(
        select(ChannelBreach.item_id, ChannelBreach.level).where(
            ChannelBreach.clock == clock, ChannelBreach.item_id.in_(item_ids)
        )
    )
    for item_id, level in rows:
        taken.setdefault(item_id, set()).add(level)
    return taken


def _claim(session: Session, item: ChannelItem, clock: str, level: int, now: datetime) -> bool:
    """Record the breach level; False when it exists already (another run got there)."""
    try:
        with session.begin_nested():
            session.add(ChannelBreach(item_id=item.id, clock=clock, level=level, at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def _escalation_people(
    session: Session, item: ChannelItem, roles: tuple[str, ...]
) -> list[Addressee]:
    provider_roles = [role for role in roles if role != STAKEHOLDER_ROLE]
    people = recipients_for(session, item.record, provider_roles) if provider_roles else []
    if STAKEHOLDER_ROLE in roles:
        people += stakeholder_users(session, item.stakeholder_id)
    return people


def _tell(
    session: Session,
    item: ChannelItem,
    clock: str,
    level: int,
    channel: Channel | None,
    deadline: datetime,
    people: Sequence[Addressee],
    base_url: str,
) -> int:
    """Email ``people`` (each once) that ``clock`` ran out: a link, never the data."""
    once = list({user.id: user for user in people}.values())
    context: dict[str, Any] = {
        **record_context(session, item.record, base_url=base_url),
        "kind": "breach" if level == MARKED else "escalation",
        "channel_title": channel.title if channel is not None else item.channel,
        "stakeholder_name": item.stakeholder.name,
        "clock_done": CLOCK_DONE[clock],
        "due": due_text(deadline),
    }
    queued = queue_notification(
        session,
        "channel_item",
        recipients=once,
        context=context,
        record=item.record,
        dedupe_key=f"channel-breach:{item.id}:{clock}:{level}",
        urgent=True,
    )
    return len(queued)


class _ChannelLookup:
    """Each item's channel in the definition version of its record (read once per run
    and version). None: a channel that version does not have (no escalation)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, int], dict[str, Channel]] = {}

    def of(self, item: ChannelItem) -> Channel | None:
        record = item.record
        key = (record.app_id, record.app_version)
        if key not in self.cache:
            definition = record_definition(self.session, record)
            self.cache[key] = {c.id: c for c in channels_of(definition.channels)}
        return self.cache[key].get(item.channel)


def _deadline(item: ChannelItem, clock: str) -> datetime:
    deadline = item.acknowledge_by if clock == ACKNOWLEDGE else item.decide_by
    assert deadline is not None  # selected by ``deadline < now``
    return deadline


def _utc(value: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive UTC datetimes)."""
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
