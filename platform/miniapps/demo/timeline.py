"""Dating demo records made just now as if they had been made over days or weeks.

The demo makes its channel records and ad hoc returns through the real services (so
they are exactly what users would leave behind), which stamp everything with the time
of the load. A :class:`Timeline` notes, before each step, the moment the step is meant
to have happened; :meth:`Timeline.apply` then moves every stamp the steps left (the
record's own, its audit trail, its thread, its channel items) to the moment of the step
that made it, and works the items' deadlines out again from their new sending time,
as sending does (:mod:`miniapps.services.channels.sending`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import channels_of
from miniapps.core.channels.working_days import hours_deadline, working_day_deadline
from miniapps.models import AuditEntry, ChannelItem, Comment, Record
from miniapps.services.channels.calendar import holidays
from miniapps.services.definitions import record_definition

ITEM_STAMPS = ("sent_at", "acknowledged_at", "decided_at", "closed_at", "changed_at")
RECORD_STAMPS = ("created_at", "updated_at", "submitted_at")


class Timeline:
    """Real moments (when each step began) paired with the moments they stand for."""

    def __init__(self) -> None:
        self.marks: list[tuple[datetime, datetime]] = []

    def at(self, moment: datetime) -> None:
        """What happens from now on (until the next call) happened at ``moment``."""
        self.marks.append((datetime.now(UTC), moment))

    def moment(self, real: datetime) -> datetime:
        """The moment a stamp made at ``real`` stands for."""
        real = _aware(real)
        found = self.marks[0][1]
        for started, moment in self.marks:
            if real >= started:
                found = moment
        return found

    def apply(self, session: Session, record: Record) -> None:
        """Move every stamp of ``record`` (flushed first) to the moment it stands for."""
        session.flush()
        for name in RECORD_STAMPS:
            self._move(record, name)
        entries = session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id))
        for entry in entries:
            self._move(entry, "at")
        for comment in session.scalars(select(Comment).where(Comment.record_id == record.id)):
            self._move(comment, "created_at")
        calendar: frozenset[date] | None = None
        for item in record.channel_items:
            for name in ITEM_STAMPS:
                self._move(item, name)
            calendar = calendar if calendar is not None else holidays(session)
            _deadlines(session, record, item, calendar)
        session.flush()

    def _move(self, row: object, name: str) -> None:
        value = getattr(row, name)
        if value is not None:
            setattr(row, name, self.moment(value))


def _deadlines(
    session: Session, record: Record, item: ChannelItem, calendar: Collection[date]
) -> None:
    """The item's deadlines from its sending time, by its channel's SLA."""
    channels = {c.id: c for c in channels_of(record_definition(session, record).channels)}
    channel = channels.get(item.channel)
    if channel is None:
        return
    sla, sent = channel.sla, _aware(item.sent_at)
    if sla.urgent(record.data) and sla.acknowledge_hours is not None:
        item.acknowledge_by = hours_deadline(sent, sla.acknowledge_hours)
    elif sla.acknowledge_working_days is not None:
        item.acknowledge_by = working_day_deadline(sent, sla.acknowledge_working_days, calendar)
    if sla.decide_working_days is not None:
        item.decide_by = working_day_deadline(sent, sla.decide_working_days, calendar)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
