"""The record page's channel panels: where the record was sent ("Sent to": each item the
caller may see with its clocks, in Europe/London time) and, for the provider's managers,
who has read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from miniapps.core.channels.definition import channels_of
from miniapps.core.channels.working_days import LONDON
from miniapps.core.definitions.model import AppDefinition
from miniapps.db import db
from miniapps.models import Record
from miniapps.services.channels.items import visible_items
from miniapps.services.channels.reads import readers, sees_readers
from miniapps.services.permissions import Access

HOW = {"page": "Record page", "api": "API", "export": "Export"}


def london(value: datetime | None) -> str:
    """``24 Dec 2026 09:30`` in Europe/London ("" for no time); naive values are UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).strftime("%d %b %Y %H:%M")


@dataclass(frozen=True)
class SentRow:
    stakeholder: str
    channel: str
    sent: str
    acknowledge_by: str
    decide_by: str
    acknowledged: str
    decided: str
    closed: str
    breached: bool


@dataclass(frozen=True)
class ReaderRow:
    name: str
    organisation: str
    when: str
    how: str
    times: int


def sent_rows(access: Access, record: Record, definition: AppDefinition) -> list[SentRow]:
    """The items of ``record`` the caller may see, oldest first."""
    titles = {c.id: c.title for c in channels_of(definition.channels)}
    return [
        SentRow(
            stakeholder=f"{item.stakeholder.name} ({item.stakeholder.ods})",
            channel=titles.get(item.channel, item.channel),
            sent=london(item.sent_at),
            acknowledge_by=london(item.acknowledge_by),
            decide_by=london(item.decide_by),
            acknowledged=london(item.acknowledged_at),
            decided=london(item.decided_at),
            closed=london(item.closed_at),
            breached=item.breached,
        )
        for item in visible_items(access, record)
    ]


def reader_rows(access: Access, record: Record) -> list[ReaderRow] | None:
    """Who has read ``record`` (None: the caller may not see that, or it was never sent)."""
    if not record.channel_items or not sees_readers(access, record):
        return None
    return [
        ReaderRow(
            name=reader.user.name if reader.user is not None else "The platform",
            organisation=(
                f"{reader.organisation.name} ({reader.organisation.ods})"
                if reader.organisation is not None
                else ""
            ),
            when=london(reader.when),
            how=HOW.get(reader.via, reader.via),
            times=reader.times,
        )
        for reader in readers(db.session, record)
    ]


def inbox_url() -> str | None:
    """The address of the inbox page, where the blueprint has one."""
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("inbox.") and rule.rule.rstrip("/") == "/inbox":
            return str(rule.rule)
    return None
