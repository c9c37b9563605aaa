"""What the inbox table shows for each channel item: titles from the definition the record
was made with, and each clock's deadline or the time it stopped, in London time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from miniapps.core.channels.definition import channel_titles
from miniapps.core.channels.working_days import LONDON
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.workflow import Workflow
from miniapps.models import ChannelItem
from miniapps.services.definitions import record_definition

# Working-day deadlines fall at 23:59:59 London time: shown as the day alone.
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Clock:
    """One SLA clock of an item: due (None: the channel sets no such deadline) and when it
    stopped (None: still running)."""

    due: datetime | None
    done: datetime | None
    now: datetime
    closed: bool = False  # the item closed: a clock that never stopped is no longer due

    @property
    def overdue(self) -> bool:
        """Still running after its deadline."""
        if self.done is not None or self.closed or self.due is None:
            return False
        return self.now > self.due

    @property
    def late(self) -> bool:
        """Stopped, but after its deadline."""
        return self.done is not None and self.due is not None and self.done > self.due


@dataclass(frozen=True)
class InboxRow:
    item: ChannelItem
    app_title: str
    channel_title: str
    status_title: str
    final: bool
    acknowledge: Clock
    decide: Clock


def inbox_rows(
    session: Session, items: Sequence[ChannelItem], now: datetime | None = None
) -> list[InboxRow]:
    now = now or datetime.now(UTC)
    definitions: dict[tuple[str, int], AppDefinition] = {}
    rows = []
    for item in items:
        record = item.record
        key = (record.app_id, record.app_version)
        if key not in definitions:
            definitions[key] = record_definition(session, record)
        definition = definitions[key]
        workflow = Workflow(definition.workflow)
        closed = item.closed_at is not None
        rows.append(
            InboxRow(
                item=item,
                app_title=definition.title,
                channel_title=channel_titles(definition.channels).get(item.channel, item.channel),
                status_title=workflow.title(record.status),
                final=workflow.is_final(record.status),
                acknowledge=Clock(
                    aware(item.acknowledge_by), aware(item.acknowledged_at), now, closed
                ),
                decide=Clock(aware(item.decide_by), aware(item.decided_at), now, closed),
            )
        )
    return rows


def aware(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC time (SQLite gives naive UTC times back)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def london(moment: datetime | None) -> str:
    """``24 Dec 2026, 14:05`` in London time; a working-day deadline (23:59:59) as the day
    alone, ``29 Dec 2026``."""
    local = aware(moment)
    if local is None:
        return ""
    local = local.astimezone(LONDON)
    day = f"{local.day} {local:%b %Y}"
    if local.time().replace(microsecond=0) == END_OF_DAY:
        return day
    return f"{day}, {local:%H:%M}"


def iso(moment: datetime | None, exact: bool = False) -> str:
    """The ``datetime`` attribute of a ``<time>`` element (UTC, to the second); ``exact``:
    to the microsecond (a row's change stamp, which the live page compares)."""
    value = aware(moment)
    return value.isoformat(timespec="microseconds" if exact else "seconds") if value else ""
