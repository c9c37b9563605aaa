"""The inbox: channel items a user may see, filtered and paged, and the marker the live
stream polls.

A stakeholder user sees their organisations' items; a provider user ("Sent") the items
of records they may read as a provider. Someone who is both sees both. The ``period``
filter is the London calendar month an item was sent (``2026-12``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from miniapps.core.channels.definition import channel_titles
from miniapps.core.channels.figures import is_month, month_start, next_month
from miniapps.core.workflow import Workflow
from miniapps.models import App, ChannelItem, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import READ, WRITE, Access
from miniapps.services.records.listing import Page


@dataclass(frozen=True)
class InboxFilters:
    channel: str | None = None  # a channel id
    app: str | None = None
    status: str | None = None  # the record's workflow state
    provider: Organisation | None = None  # the provider organisation or one above it
    breached: bool | None = None
    period: str | None = None  # month sent, YYYY-MM


def sees_items(access: Access) -> bool:
    """Whether the user has an inbox (stakeholder) or a "Sent" list (provider) at all."""
    return bool(access.stakeholder_org_ids) or access.may_anywhere(READ)


def inbox_clause(access: Access) -> ColumnElement[bool]:
    """SQL on :class:`ChannelItem` joined to its record and the record's organisation:
    items the user may see."""
    clauses: list[ColumnElement[bool]] = []
    if access.stakeholder_org_ids:
        clauses.append(ChannelItem.stakeholder_id.in_(sorted(access.stakeholder_org_ids)))
    provider = or_(access.org_clause(READ), access.org_clause(WRITE))
    clauses.append(provider)
    return or_(*clauses) if clauses else false()


def _base(access: Access, filters: InboxFilters) -> Select[ChannelItem]:
    conditions: list[ColumnElement[bool]] = [inbox_clause(access)]
    if filters.channel:
        conditions.append(ChannelItem.channel == filters.channel)
    if filters.app:
        conditions.append(ChannelItem.app_id == filters.app)
    if filters.status:
        conditions.append(Record.status == filters.status)
    if filters.provider is not None:
        conditions.append(subtree(filters.provider.path))
    if filters.breached is not None:
        conditions.append(ChannelItem.breached.is_(filters.breached))
    if filters.period and is_month(filters.period):  # a London calendar month
        start, end = month_start(filters.period), month_start(next_month(filters.period))
        conditions.append(and_(ChannelItem.sent_at >= start, ChannelItem.sent_at < end))
    return (
        select(ChannelItem)
        .join(Record, Record.id == ChannelItem.record_id)
        .join(Organisation, Organisation.id == Record.organisation_id)
        .where(*conditions)
    )


def inbox_page(
    session: Session, access: Access, filters: InboxFilters, *, page: int, page_size: int
) -> Page[ChannelItem]:
    """One page of items, the most recently sent first."""
    base = _base(access, filters)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.options(contains_eager(ChannelItem.record).contains_eager(Record.organisation))
        .order_by(ChannelItem.sent_at.desc(), ChannelItem.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Page(list(rows.unique()), total, page, page_size)


def latest_change(session: Session, access: Access) -> tuple[datetime | None, int]:
    """``(last change, number of items)`` over everything the user may see: cheap enough
    to poll every second, and different whenever an item arrives or changes."""
    base = _base(access, InboxFilters()).subquery()
    row = session.execute(select(func.max(base.c.changed_at), func.count()).select_from(base))
    changed, count = row.one()
    return changed, int(count or 0)


def open_counts(session: Session, access: Access) -> tuple[int, int]:
    """``(open items, of which breached)`` over everything the user may see (the home
    page's summary); an item is open until its record reaches a final state."""
    base = _base(access, InboxFilters()).where(ChannelItem.closed_at.is_(None)).subquery()
    row = session.execute(
        select(func.count(), func.count().filter(base.c.breached.is_(True))).select_from(base)
    )
    open_items, breached = row.one()
    return int(open_items or 0), int(breached or 0)


def filter_choices(session: Session, access: Access) -> dict[str, list[tuple[str, str]]]:
    """What the filters can offer, as ``(value, label)``: channels (``app/channel``,
    labelled with the titles of the app's latest definition), statuses (workflow titles)
    and providers present in the user's items."""
    base = _base(access, InboxFilters()).subquery()
    pairs = session.execute(
        select(base.c.app_id, base.c.channel).distinct().order_by(base.c.app_id, base.c.channel)
    ).all()
    apps = session.scalars(select(App).where(App.id.in_({app_id for app_id, _ in pairs})))
    definitions = {app.id: app_definition(session, app) for app in apps}
    channels = []
    for app_id, channel in pairs:
        definition = definitions.get(app_id)
        title = channel_titles(definition.channels).get(channel) if definition else None
        app_title = definition.title if definition else app_id
        channels.append((f"{app_id}/{channel}", f"{title or channel} ({app_title})"))
    providers = session.execute(
        select(Organisation.ods, Organisation.name)
        .where(Organisation.id.in_(select(base.c.provider_id)))
        .order_by(Organisation.name)
    ).all()
    states = session.execute(
        select(Record.app_id, Record.status)
        .where(Record.id.in_(select(base.c.record_id)))
        .distinct()
        .order_by(Record.status)
    ).all()
    statuses: dict[str, str] = {}
    for app_id, status in states:
        definition = definitions.get(app_id)
        workflow = Workflow(definition.workflow if definition else None)
        statuses.setdefault(status, workflow.title(status))
    return {
        "channels": channels,
        "providers": [(ods, f"{name} ({ods})") for ods, name in providers],
        "statuses": list(statuses.items()),
    }
