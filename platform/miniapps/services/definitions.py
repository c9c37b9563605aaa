"""Where a definition comes from: the one place that turns stored versions into definitions.

A record keeps the definition version it was made with (:func:`record_definition`);
everything else follows the app's latest published version (:func:`app_definition`).
For an app whose indicators are yearly data (``indicator_source``) both can give the
definition of a period: its keyed field expanded to that period's year set.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.indicators.source import expand_definition
from miniapps.models import App, AppVersion, Record
from miniapps.services.indicators.year_sets import year_set_for

# Versions and year sets are immutable once stored: expand a definition for a year set
# once per process (keyed by content hash and the cached year set).
_EXPANDED: dict[tuple[str, int], AppDefinition] = {}


def record_definition(session: Session, record: Record, period: str | None = None) -> AppDefinition:
    """The definition ``record`` was made with, expanded for its period (or ``period``)."""
    definition = _version_definition(session, record.app_id, record.app_version)
    return for_period(session, definition, period or record.period)


def app_definition(session: Session, app: App, period: str | None = None) -> AppDefinition:
    """``app``'s latest published definition; with ``period``, expanded for that period.

    Read from the app's versions when they are loaded already (the permission check reads
    them for the app's ``permissions``), which saves a statement per page; otherwise, or
    when the latest is not among them, from the database."""
    loaded = [] if "versions" in inspect(app).unloaded else app.versions
    row = next((v for v in loaded if v.version == app.latest_version), None)
    if row is not None:
        definition = AppDefinition(raw=row.definition)
    else:
        definition = _version_definition(session, app.id, app.latest_version)
    return for_period(session, definition, period)


def latest_version(session: Session, app_id: str) -> AppVersion | None:
    """The newest stored version of ``app_id`` (None before its first publish)."""
    return session.scalar(
        select(AppVersion).where(AppVersion.app_id == app_id).order_by(AppVersion.version.desc())
    )


def published_versions(session: Session, app_id: str) -> list[AppVersion]:
    """Every stored version of ``app_id``, newest first."""
    query = select(AppVersion).where(AppVersion.app_id == app_id)
    return list(session.scalars(query.order_by(AppVersion.version.desc())))


def for_period(session: Session, definition: AppDefinition, period: str | None) -> AppDefinition:
    """The definition records of ``period`` use: for an app with ``indicator_source``, its
    keyed field expanded to the indicators of that period's year set (unchanged without a
    period, when no set is loaded for that year, or for other apps)."""
    if not period or definition.indicator_source is None:
        return definition
    year_set = year_set_for(session, definition.id, period)
    if year_set is None:
        return definition
    key = (definition.content_hash, id(year_set))  # cached sets live as long as the process
    if key not in _EXPANDED:
        expanded = expand_definition(definition.raw, year_set)
        _EXPANDED[key] = AppDefinition(expanded, definition.source)
    return _EXPANDED[key]


def _version_definition(session: Session, app_id: str, version: int) -> AppDefinition:
    row = session.scalar(
        select(AppVersion).where(AppVersion.app_id == app_id, AppVersion.version == version)
    )
    assert row is not None, f"{app_id} v{version} is missing"
    return AppDefinition(raw=row.definition)
