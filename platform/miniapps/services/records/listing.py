"""Read-side look-ups for lists and single items, always through the permission filter.

Used by the HTTP API and the pages: which apps and records a caller may see, one page at
a time. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Exists, Select, String, bindparam, func, select
from sqlalchemy.orm import Session

from miniapps.core.periods.keys import previous_period
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.app_retirement import is_readable
from miniapps.services.app_visibility import published_to_reader, visible_apps
from miniapps.services.definitions import LATEST_HASH, remember_hash
from miniapps.services.permissions import Access

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    page_size: int


def visible_app(session: Session, access: Access, app_id: str) -> App | None:
    """The published (or retired) app ``app_id`` when the caller may see it, else None
    (never say which): what :func:`~miniapps.services.app_visibility.sees_app` says of this one app
    (without listing every app), asked in the statement that reads the app."""
    query = _app_query(published_to_reader(access, app_id))
    found = session.execute(query, {"app_id": app_id}).first()
    if found is None or not is_readable(found[0]):
        return None
    app, seen, content_hash = found
    remember_hash(session, app, content_hash)  # its definition then costs no statement
    return app if access.is_admin or access.owns(app) or seen else None


@lru_cache(maxsize=1024)
def _app_query(seen_by_reader: Exists) -> Select[App, bool, str | None]:
    """The app (bound as ``app_id``), whether the reader sees it and its latest hash: one
    statement per reader's shape, built once (it cost more to build than to run)."""
    return select(App, seen_by_reader, LATEST_HASH).where(
        App.id == bindparam("app_id", type_=String)
    )


def apps_page(session: Session, access: Access, page: int, page_size: int) -> Page[App]:
    apps = visible_apps(session, access)
    start = (page - 1) * page_size
    return Page(apps[start : start + page_size], len(apps), page, page_size)


def visible_record(session: Session, access: Access, record_id: int) -> Record | None:
    """The record when the caller may see it (drafts only to those who may edit them)."""
    record = session.get(Record, record_id)
    if record is None:
        return None
    app = session.get(App, record.app_id)
    return record if access.can_see_record(record, app) else None


def records_page(
    session: Session,
    access: Access,
    app: App,
    *,
    page: int,
    page_size: int,
    within: Organisation | None = None,
    period: str | None = None,
    status: str | None = None,
    recently_updated_first: bool = False,
) -> Page[Record]:
    """Records of ``app`` the caller may see, newest first (or, with
    ``recently_updated_first``, the last changed first, as the records page lists them).

    ``within`` keeps records of that organisation and everything beneath it.
    """
    conditions = [Record.app_id == app.id, access.record_clause(app)]
    if within is not None:
        conditions.append(subtree(within.path))
    if period is not None:
        conditions.append(Record.period == period)
    if status is not None:
        conditions.append(Record.status == status)
    base = select(Record).join(Organisation, Record.organisation_id == Organisation.id)
    base = base.where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    order = (Record.updated_at.desc(),) if recently_updated_first else ()
    rows = session.scalars(
        base.order_by(*order, Record.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return Page(list(rows.unique()), total, page, page_size)


def previous_period_data(
    session: Session, access: Access, app: App, org: Organisation, period: str
) -> tuple[str, dict[str, Any]] | None:
    """``(previous period, its data)`` of ``org``'s latest non-draft record for the period
    before ``period`` (e.g. last month's results and plan beside this month's form), or
    None when there is none or the caller may not see it."""
    before = previous_period(period)
    if before is None:
        return None
    record = session.scalars(
        select(Record)
        .where(
            Record.app_id == app.id,
            Record.organisation_id == org.id,
            Record.period == before,
            Record.status != "draft",
        )
        .order_by(Record.id.desc())
        .limit(1)
    ).first()
    if record is None or not access.can_see_record(record, app):
        return None
    return before, record.data
