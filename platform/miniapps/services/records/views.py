"""Anonymised views (the definition's ``views``): who may open one, and what they see.

A user may open a view when they hold one of its ``roles``. It covers the submitted
records (never drafts, never superseded duplicates) of the organisations beneath those
where the user holds one of those roles (a PCN manager who is also staff at a practice
elsewhere sees their PCN only), that are in the view's ``states`` and match its ``when``.
The scope comes from the view's roles, not from who may read the app's records: a view
never shows identifying data, so an app may keep its records from a role (its
``permissions``) and still show that role its view. What a row shows comes from
:mod:`miniapps.core.records.view_rows`: never the organisation, an id, who reported or
any answer the view does not list.

Anyone else, and an unknown view, gets :class:`ViewNotFound` (a 404: a view's existence
is not confirmed to those who may not open it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import MiniappsError
from miniapps.core.records.view_rows import (
    MonthCount,
    ThemeCounts,
    View,
    ViewRow,
    find_view,
    month_counts,
    record_month,
    shows,
    theme_counts,
    view_row,
    views_of,
)
from miniapps.core.workflow import Workflow
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.channels.stakeholders import area_path
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access


class ViewNotFound(MiniappsError):
    code = "not_found"
    kind = "not_found"


@dataclass(frozen=True)
class ViewPage:
    """One page of a view's rows, with the counts over all its records."""

    view: View
    rows: list[ViewRow]
    themes: list[ThemeCounts]
    months: list[MonthCount]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def may_open(access: Access, view: View) -> bool:
    """Whether the user holds one of the view's roles (anywhere)."""
    return any(m.role in view.roles for m in access.memberships)


def openable_views(session: Session, access: Access, app: App) -> list[View]:
    """The app's views the user may open (for its menu)."""
    return [v for v in views_of(app_definition(session, app)) if may_open(access, v)]


def open_view(session: Session, access: Access, app: App, view_id: str) -> View:
    """The view, or :class:`ViewNotFound` when it does not exist or the user may not open it."""
    view = find_view(app_definition(session, app), view_id)
    if view is None or not may_open(access, view):
        raise ViewNotFound(f"There is no view {view_id!r} of {app.title} that you can open.")
    return view


def view_page(
    session: Session, access: Access, app: App, view_id: str, page: int, page_size: int
) -> ViewPage:
    """Page ``page`` (1-based) of the rows the user sees in the view, newest first."""
    view = open_view(session, access, app, view_id)
    definition = app_definition(session, app)
    found = _covered(session, access, app, view, definition)
    start = (max(page, 1) - 1) * page_size
    return ViewPage(
        view=view,
        rows=[view_row(view, definition, data) for data, _ in found[start : start + page_size]],
        themes=theme_counts(view, [data for data, _ in found]),
        months=month_counts(record_month(view, data, at) for data, at in found),
        total=len(found),
        page=page,
        page_size=page_size,
    )


def _covered(
    session: Session, access: Access, app: App, view: View, definition: AppDefinition
) -> list[tuple[Any, Any]]:
    """(data, submitted_at) of every record the view shows the user, newest first."""
    query = (
        select(Record.data, Record.status, Record.submitted_at)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .where(
            Record.app_id == app.id,
            Record.status != Workflow(definition.workflow).initial,
            Record.superseded.is_(False),
            _role_scope(access, app, view),
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
    )
    if view.states is not None:
        query = query.where(Record.status.in_(view.states))
    return [(data, at) for data, status, at in session.execute(query) if shows(view, status, data)]


def _role_scope(access: Access, app: App, view: View) -> ColumnElement[bool]:
    """SQL on :class:`Organisation`: beneath an organisation where the user holds one of the
    view's roles (for a stakeholder owning the app: its area)."""
    clauses = []
    for m in access.memberships:
        if m.role not in view.roles:
            continue
        path: str | None = m.organisation.path
        if m.role == "stakeholder" and app.owner_id == m.organisation_id:
            path = area_path(m.organisation)
        if path is not None:
            clauses.append(subtree(path))
    return or_(*clauses) if clauses else false()
