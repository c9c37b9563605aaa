"""Find the indicator year set in force for a period (loaded centrally).

Each year of an app has versions of its set (:mod:`miniapps.services.indicators.year_set_loading`
stores them); the latest version is in force. Results are computed from the set in force
whenever they are asked for, so dashboards follow a new load at once. Nothing here writes.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.indicators.year_sets import YearSet, financial_year, parse_year_set
from miniapps.models import IndicatorSet


def current_row(session: Session, app_id: str, year: str) -> IndicatorSet | None:
    """The version in force of ``app_id``'s set for ``year`` (``2025/26``), if any."""
    return session.scalar(
        select(IndicatorSet)
        .where(IndicatorSet.app_id == app_id, IndicatorSet.year == year)
        .order_by(IndicatorSet.version.desc())
        .limit(1)
    )


def year_set_for(session: Session, app_id: str, period: str | None) -> YearSet | None:
    """The set in force for the financial year holding the month ``period``, if loaded."""
    try:
        year = financial_year(period or "")
    except ValueError:
        return None
    row = current_row(session, app_id, year)
    return None if row is None else parsed(row)


# Year sets are immutable once stored: parse each version once per process, keyed by
# content hash.
_PARSED: dict[str, YearSet] = {}


def parsed(row: IndicatorSet) -> YearSet:
    """The parsed year set of a stored row (cached by its content hash)."""
    found = _PARSED.get(row.content_hash)
    if found is None:
        found = _PARSED[row.content_hash] = parse_year_set(row.content)
    return found


def latest_year_set(session: Session, app_id: str) -> YearSet | None:
    """The set in force for the latest year loaded (for pages without a period)."""
    year = session.scalar(select(func.max(IndicatorSet.year)).where(IndicatorSet.app_id == app_id))
    row = current_row(session, app_id, year) if year else None
    return None if row is None else parsed(row)


def loaded_sets(session: Session, app_id: str | None = None) -> list[IndicatorSet]:
    """The set in force for every (app, year), newest year first."""
    latest = (
        select(IndicatorSet.app_id, IndicatorSet.year, func.max(IndicatorSet.version).label("v"))
        .group_by(IndicatorSet.app_id, IndicatorSet.year)
        .subquery()
    )
    query = select(IndicatorSet).join(
        latest,
        (IndicatorSet.app_id == latest.c.app_id)
        & (IndicatorSet.year == latest.c.year)
        & (IndicatorSet.version == latest.c.v),
    )
    if app_id:
        query = query.where(IndicatorSet.app_id == app_id)
    return list(session.scalars(query.order_by(IndicatorSet.app_id, IndicatorSet.year.desc())))
