"""Load indicator year sets centrally and find the one in force for a period.

Loading a year set checks it (:func:`miniapps.core.indicators.year_sets.parse_year_set`), then
stores it as a new version of that app's year unless the same content is already in
force (loading twice is harmless), with an audit entry naming who loaded what. Results
are computed from the set in force whenever they are asked for, so dashboards follow a
new load at once. Flushes only; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import AppDefinition
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.indicators.year_sets import YearSet, financial_year, parse_year_set
from miniapps.models import App, AuditEntry, IndicatorSet, User


class UnknownApp(LookupError):
    pass


@dataclass(frozen=True)
class LoadOutcome:
    row: IndicatorSet
    year_set: YearSet
    created: bool  # False: the same content was already in force
    previous_version: int | None


def load_year_set(
    session: Session,
    app_id: str,
    raw: Any,
    *,
    source: str | None = None,
    actor: User | None = None,
) -> LoadOutcome:
    """Check ``raw`` and store it as the year's set in force for ``app_id``.

    Raises :class:`UnknownApp` when no such app is published and
    :class:`DefinitionInvalid` (pointers into the file) when the set is invalid or the app
    does not take its indicators from year sets.
    """
    app = session.get(App, app_id)
    if app is None or not app.latest_version:
        raise UnknownApp(f"there is no published app '{app_id}'")
    year_set = parse_year_set(raw, source)
    from miniapps.services.records.lifecycle import definition_for

    if definition_for(session, app).indicator_source is None:
        message = f"app '{app_id}' does not take its indicators from year sets (indicator_source)"
        raise DefinitionInvalid([Issue("", message, "not_applicable")], source)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    current = current_row(session, app_id, year_set.year)
    if current is not None and current.content_hash == digest:
        return LoadOutcome(current, year_set, False, current.version)
    row = IndicatorSet(
        app_id=app_id,
        year=year_set.year,
        version=(current.version + 1) if current else 1,
        content=raw,
        content_hash=digest,
        illustrative=year_set.is_illustrative(),
        source_name=(source or "")[-255:],
        loaded_by_id=actor.id if actor else None,
    )
    session.add(row)
    session.add(
        AuditEntry(
            record_id=None,
            app_id=app_id,
            actor_id=actor.id if actor else None,
            action="indicator_set_loaded",
            changes=[
                {
                    "pointer": f"/indicator_sets/{year_set.year}",
                    "old": current.version if current else None,
                    "new": row.version,
                    "codes": year_set.codes,
                    "source": source,
                }
            ],
        )
    )
    session.flush()
    return LoadOutcome(row, year_set, True, current.version if current else None)


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


# Year sets are immutable once stored: parse each version (and expand a definition with
# it) once per process, keyed by content hash.
_PARSED: dict[str, YearSet] = {}
_EXPANDED: dict[tuple[str, int], AppDefinition] = {}


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


def for_period(session: Session, definition: AppDefinition, period: str | None) -> AppDefinition:
    """The definition records of ``period`` use: for an app with ``indicator_source``, its
    keyed field expanded to the indicators of that period's year set (unchanged when no
    set is loaded for that year, or for other apps)."""
    if definition.indicator_source is None:
        return definition
    year_set = year_set_for(session, definition.id, period)
    if year_set is None:
        return definition
    from miniapps.core.indicators.source import expand_definition

    key = (definition.content_hash, id(year_set))  # cached sets live as long as the process
    if key not in _EXPANDED:
        expanded = expand_definition(definition.raw, year_set)
        _EXPANDED[key] = AppDefinition(expanded, definition.source)
    return _EXPANDED[key]
