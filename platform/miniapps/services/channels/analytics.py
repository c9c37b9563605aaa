"""The channel dashboard's figures over the channel items a user may see.

A stakeholder user sees their organisations' items (across every provider that sent
them); a provider user the items of the records they read as a provider (their own
sent items, by :meth:`Access.org_clause`); someone who is both sees both. Filters:
channel id, provider ODS code, and a range of London months sent (``2026-04``).

Counts and groupings are SQL; the medians and 90th percentiles of the times to
acknowledge and to decide are worked out in Python over the durations
(:mod:`miniapps.core.channels.figures`), in clock hours and in working days (the
bank-holiday calendar in use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from miniapps.core.channels.figures import is_month, month_start, next_month
from miniapps.core.errors import DataInvalid, Issue
from miniapps.models import App, ChannelItem, Organisation
from miniapps.services.channels.category_counts import AppDefinitions, category_counts
from miniapps.services.channels.time_figures import clock_times, items_by_month
from miniapps.services.permissions import READ, Access, Forbidden

OPEN = ChannelItem.closed_at.is_(None)


@dataclass(frozen=True)
class FigureFilters:
    """What the figures are restricted to; empty strings mean no restriction."""

    channel: str = ""  # a channel id
    provider: str = ""  # the ODS code of the organisation that sent the items
    month_from: str = ""  # London months sent, inclusive: 2026-04
    month_to: str = ""


def may_see_dashboard(access: Access) -> bool:
    """Stakeholder users and anyone who reads records as a provider."""
    return bool(access.stakeholder_org_ids) or access.may_anywhere(READ)


def visible_items_clause(session: Session, access: Access) -> ColumnElement[bool]:
    """SQL condition on :class:`ChannelItem`: the items ``access`` may see. Provider-side
    access is asked per app (an app's ``permissions`` may narrow who reads it)."""
    clauses: list[ColumnElement[bool]] = []
    if access.stakeholder_org_ids:
        clauses.append(ChannelItem.stakeholder_id.in_(sorted(access.stakeholder_org_ids)))
    if access.may_anywhere(READ):
        used = select(ChannelItem.app_id).distinct()
        for app in session.scalars(select(App).where(App.id.in_(used)).order_by(App.id)):
            readable = select(Organisation.id).where(access.org_clause(READ, app))
            provider = ChannelItem.provider_id.in_(readable.correlate(None))
            clauses.append(and_(ChannelItem.app_id == app.id, provider))
    return or_(*clauses) if clauses else false()


def channel_figures(session: Session, access: Access, filters: FigureFilters) -> dict[str, Any]:
    """Every figure of the dashboard, and the filter choices (from the visible items).
    Raises :class:`Forbidden` for a user with neither side's access and
    :class:`DataInvalid` (pointers ``/channel``, ``/provider``, ``/from``, ``/to``) for a
    filter that is not one of the choices or not a month."""
    definitions = AppDefinitions(session)
    scope = _scope(session, access)
    choices = _choices(session, definitions, scope)
    conditions = [scope, *_filter_conditions(filters, choices)]
    summary, first, last = _summary(session, conditions)
    by_channel = _by_channel(session, definitions, conditions)
    return {
        "choices": choices,
        "summary": summary,
        "by_provider": _by_provider(session, conditions),
        "by_channel": by_channel,
        "by_category": category_counts(session, definitions, conditions, by_channel),
        "by_month": items_by_month(session, conditions, first, last),
        "times": clock_times(session, conditions),
    }


def dashboard_choices(session: Session, access: Access) -> dict[str, dict[str, str]]:
    """What the filters offer: ``{"channels": {id: title}, "providers": {ODS: name}}``
    from every item the user may see (:class:`Forbidden` as for the figures)."""
    return _choices(session, AppDefinitions(session), _scope(session, access))


def _scope(session: Session, access: Access) -> ColumnElement[bool]:
    if not may_see_dashboard(access):
        message = "The channel dashboard is for stakeholder teams and provider organisations."
        raise Forbidden(message)
    return visible_items_clause(session, access)


def _choices(
    session: Session, definitions: AppDefinitions, scope: ColumnElement[bool]
) -> dict[str, dict[str, str]]:
    return {
        "channels": _channel_choices(session, definitions, scope),
        "providers": _provider_choices(session, scope),
    }


def _channel_choices(
    session: Session, definitions: AppDefinitions, scope: ColumnElement[bool]
) -> dict[str, str]:
    """``{channel id: title}`` of the channels of the visible items (a channel id two
    apps share gets both titles)."""
    pairs = session.execute(
        select(ChannelItem.app_id, ChannelItem.channel).where(scope).distinct()
    ).all()
    titles: dict[str, set[str]] = {}
    for app_id, channel in pairs:
        titles.setdefault(channel, set()).add(definitions.channel_title(app_id, channel))
    return {key: " / ".join(sorted(titles[key])) for key in sorted(titles)}


def _provider_choices(session: Session, scope: ColumnElement[bool]) -> dict[str, str]:
    """``{ODS code: name}`` of the organisations that sent the visible items."""
    rows = session.execute(
        select(Organisation.ods, Organisation.name)
        .where(Organisation.id.in_(select(ChannelItem.provider_id).where(scope)))
        .order_by(Organisation.name, Organisation.ods)
    )
    return {ods: name for ods, name in rows}


def _filter_conditions(
    filters: FigureFilters, choices: dict[str, dict[str, str]]
) -> list[ColumnElement[bool]]:
    channels, providers = choices["channels"], choices["providers"]
    conditions: list[ColumnElement[bool]] = []
    issues: list[Issue] = []
    if filters.channel in channels:
        conditions.append(ChannelItem.channel == filters.channel)
    elif filters.channel:
        message = f"None of your items came through a channel {filters.channel!r}"
        issues.append(Issue("/channel", f"{message}: choose one from the list"))
    if filters.provider in providers:
        sent_by = select(Organisation.id).where(Organisation.ods == filters.provider)
        conditions.append(ChannelItem.provider_id.in_(sent_by.correlate(None)))
    elif filters.provider:
        message = f"None of your items came from {filters.provider!r}"
        issues.append(Issue("/provider", f"{message}: choose a provider from the list"))
    for pointer, month in (("/from", filters.month_from), ("/to", filters.month_to)):
        if month and not is_month(month):
            issues.append(Issue(pointer, f"{month!r} is not a month: write it like 2026-04"))
    months = (filters.month_from, filters.month_to)
    if all(map(is_month, months)) and filters.month_to < filters.month_from:
        issues.append(Issue("/to", "The last month must not be before the first month"))
    if issues:
        raise DataInvalid(issues)
    if filters.month_from:
        conditions.append(ChannelItem.sent_at >= month_start(filters.month_from))
    if filters.month_to:
        conditions.append(ChannelItem.sent_at < month_start(next_month(filters.month_to)))
    return conditions


def _counts() -> list[ColumnElement[Any]]:
    """Items, open items and breached items of a group."""
    return [
        func.count(ChannelItem.id).label("items"),
        func.count(case((OPEN, 1))).label("open"),
        func.count(case((ChannelItem.breached, 1))).label("breached"),
    ]


def _summary(
    session: Session, conditions: list[ColumnElement[bool]]
) -> tuple[dict[str, int], datetime | None, datetime | None]:
    """The counts of every item, and when the first and the last were sent."""
    row = session.execute(
        select(
            *_counts(),
            func.count(case((and_(OPEN, ChannelItem.acknowledged_at.is_(None)), 1))),
            func.count(case((and_(OPEN, ChannelItem.decided_at.is_(None)), 1))),
            func.count(case((and_(OPEN, ChannelItem.breached), 1))),
            func.min(ChannelItem.sent_at),
            func.max(ChannelItem.sent_at),
        ).where(*conditions)
    ).one()
    counts = {
        "items": row[0],
        "open": row[1],
        "breached": row[2],
        "awaiting_acknowledgement": row[3],
        "awaiting_decision": row[4],
        "breached_open": row[5],
    }
    return counts, row[6], row[7]


def _by_provider(session: Session, conditions: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Organisation.ods, Organisation.name, *_counts())
        .join(Organisation, Organisation.id == ChannelItem.provider_id)
        .where(*conditions)
        .group_by(Organisation.id, Organisation.ods, Organisation.name)
        .order_by(func.count(ChannelItem.id).desc(), Organisation.name)
    )
    return [dict(row._mapping) for row in rows]


def _by_channel(
    session: Session, definitions: AppDefinitions, conditions: list[ColumnElement[bool]]
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ChannelItem.app_id, ChannelItem.channel, *_counts())
        .where(*conditions)
        .group_by(ChannelItem.app_id, ChannelItem.channel)
        .order_by(ChannelItem.app_id, ChannelItem.channel)
    )
    found = []
    for row in rows:
        entry = dict(row._mapping)
        entry["title"] = definitions.channel_title(row.app_id, row.channel)
        entry["app_title"] = definitions.app(row.app_id).title
        found.append(entry)
    return found
