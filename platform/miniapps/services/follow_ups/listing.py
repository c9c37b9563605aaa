"""Follow-up actions as pages show them: a record's actions, and an app's actions across
the organisations the user may read, filtered (open, overdue, done; one organisation and
those beneath it), a page at a time. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.records.display import LONDON
from miniapps.models import App, Organisation, Record
from miniapps.models.follow_up import FollowUp
from miniapps.models.organisation import subtree
from miniapps.services.follow_ups.actions import record_follow_ups
from miniapps.services.permissions import READ, WRITE, Access

STATUS_FILTERS = {"open": "Open", "overdue": "Overdue", "done": "Done", "all": "All"}


@dataclass(frozen=True)
class ActionRow:
    """One action with what the page needs to say about it."""

    action: FollowUp
    overdue: bool
    may_close: bool


@dataclass(frozen=True)
class ActionsPage:
    rows: list[ActionRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # open, overdue and done actions under the same scope
    orgs: list[Organisation]  # organisations with actions the user may read


def london_today(now: datetime) -> date:
    """The date in London at ``now`` (a naive ``now`` is UTC, as SQLite hands it back)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def is_overdue(action: FollowUp, today: date) -> bool:
    return action.status == "open" and action.due is not None and action.due < today


def status_clause(status: str, today: date) -> ColumnElement[bool]:
    """SQL condition on :class:`FollowUp` for a filter of :data:`STATUS_FILTERS`."""
    if status == "overdue":
        return (FollowUp.status == "open") & (FollowUp.due < today)
    if status in ("open", "done"):
        return FollowUp.status == status
    return FollowUp.id.is_not(None)


def actions_page(
    session: Session,
    access: Access,
    app: App,
    *,
    status: str = "open",
    within: Organisation | None = None,
    now: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ActionsPage:
    """``app``'s actions at organisations the user may read (at or beneath ``within``)."""
    today = london_today(now or datetime.now(UTC))
    scope = [FollowUp.app_id == app.id, access.org_clause(READ, app)]
    if within is not None:
        scope.append(subtree(within.path))
    counted = {
        name: session.scalar(
            select(func.count(FollowUp.id))
            .join(Organisation, Organisation.id == FollowUp.organisation_id)
            .where(*scope, status_clause(name, today))
        )
        or 0
        for name in ("open", "overdue", "done")
    }
    total = counted[status] if status in counted else counted["open"] + counted["done"]
    order: list[Any] = (
        [FollowUp.done_at.desc(), FollowUp.id.desc()]
        if status == "done"
        else [FollowUp.due.is_(None), FollowUp.due, FollowUp.id]
    )
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(max(page, 1), pages)
    found = session.scalars(
        select(FollowUp)
        .join(Organisation, Organisation.id == FollowUp.organisation_id)
        .where(*scope, status_clause(status, today))
        .order_by(*order)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    orgs = session.scalars(
        select(Organisation)
        .where(
            Organisation.id.in_(
                select(FollowUp.organisation_id)
                .join(Organisation, Organisation.id == FollowUp.organisation_id)
                .where(FollowUp.app_id == app.id, access.org_clause(READ, app))
            )
        )
        .order_by(Organisation.name)
    )
    rows = [_row(access, app, action, today) for action in found]
    return ActionsPage(rows, total, page, pages, counted, list(orgs))


def follow_ups_panel(
    session: Session, access: Access, app: App, record: Record, definition: AppDefinition
) -> dict[str, Any] | None:
    """The record page's "Actions" panel: the record's actions (the page already checked
    that the user sees the record); None for an app without ``follow_ups``, or a record
    not submitted yet (its failed items become actions on submission)."""
    if definition.follow_ups is None or record.submitted_at is None:
        return None
    today = london_today(datetime.now(UTC))
    rows = [_row(access, app, action, today) for action in record_follow_ups(session, record)]
    return {"rows": rows, "app": app, "record": record}


def _row(access: Access, app: App, action: FollowUp, today: date) -> ActionRow:
    may_close = action.status == "open" and access.can(WRITE, action.organisation, app)
    return ActionRow(action, is_overdue(action, today), may_close)
