"""Where a definition comes from: the one place that turns stored versions into definitions.

A record keeps the definition version it was made with (:func:`record_definition`);
everything else follows the app's latest published version (:func:`app_definition`).
For an app whose indicators are yearly data (``indicator_source``) both can give the
definition of a period: its keyed field expanded to that period's year set.

Versions are immutable, so a stored version's :class:`AppDefinition` is made once per
process per content (:data:`DEFINITIONS`, keyed by the version's content hash, bounded):
what it works out lazily (its fields, its hash) and the compiled validators and forms
cached on its schema are reused by every later request. Within one session a version is
looked up once (``session.info``; forgotten on a rollback, which may undo a publish). A
new publish needs no invalidation: it adds a new version and moves ``apps.latest_version``,
which :func:`app_definition` reads from the app's row on every request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, event, inspect, select
from sqlalchemy.orm import Session

from miniapps.core.bounded_cache import BoundedCache, seal
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.indicators.source import expand_definition
from miniapps.models import App, AppVersion, Record
from miniapps.services.indicators.year_sets import year_set_for

# Versions and year sets are immutable once stored: expand a definition for a year set
# once per process (keyed by content hash and the cached year set).
_EXPANDED: dict[tuple[str, int], AppDefinition] = {}
# content hash -> the definition of every stored version with that content.
DEFINITIONS: BoundedCache[str, AppDefinition] = BoundedCache(512)
_SESSION_KEY = "miniapps.version_definitions"
_HASHES_KEY = "miniapps.version_hashes"

# A column for a statement on App: the content hash of the app's latest version, so a
# statement that reads the app anyway brings it along (see :func:`remember_hash`).
LATEST_HASH = (
    select(AppVersion.content_hash)
    .where(AppVersion.app_id == App.id, AppVersion.version == App.latest_version)
    .correlate(App)
    .scalar_subquery()
)


def record_definition(session: Session, record: Record, period: str | None = None) -> AppDefinition:
    """The definition ``record`` was made with, expanded for its period (or ``period``)."""
    definition = _version_definition(session, record.app_id, record.app_version)
    return for_period(session, definition, period or record.period)


def app_definition(session: Session, app: App, period: str | None = None) -> AppDefinition:
    """``app``'s latest published definition; with ``period``, expanded for that period.

    Read from the app's versions when they are loaded already (the permission check reads
    them for the app's ``permissions``), which saves a statement per page; otherwise, or
    when the latest is not among them, from the database."""
    loaded = app.versions if "versions" in inspect(app).dict else []
    row = next((v for v in loaded if v.version == app.latest_version), None)
    if row is not None:
        definition = stored_definition(row)
        session.info.setdefault(_SESSION_KEY, {})[(app.id, row.version)] = definition
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
        _EXPANDED[key] = _sealed(expanded, definition.source)
    return _EXPANDED[key]


def stored_definition(row: AppVersion) -> AppDefinition:
    """The definition of a stored version: the same object for the same content."""
    return DEFINITIONS.get_or_make(row.content_hash, lambda: _sealed(row.definition))


def _sealed(raw: dict[str, Any], source: str | None = None) -> AppDefinition:
    """A definition whose JSON is never changed (a stored version, or one expanded from
    it): its schema, ui and workflow are sealed, so validators, forms and workflows are
    found by identity."""
    definition = AppDefinition(raw, source)
    seal(definition.raw, definition.schema, definition.ui, definition.workflow)
    return definition


def remember_hash(session: Session, app: App, content_hash: str | None) -> None:
    """Note ``app``'s latest version's content hash (read with the app, :data:`LATEST_HASH`)
    for this session, so :func:`app_definition` needs no statement of its own. Forgotten
    on a rollback, like the definitions looked up."""
    if content_hash is not None and app.latest_version is not None:
        hashes = session.info.setdefault(_HASHES_KEY, {})
        hashes[(app.id, app.latest_version)] = content_hash


def _version_definition(session: Session, app_id: str, version: int) -> AppDefinition:
    """``app_id`` v``version``: once per session a statement for its content hash (none
    when it came with the app's row); its JSON is read (and parsed) only the first time
    the process meets that content."""
    memo: dict[tuple[str, int], AppDefinition] = session.info.setdefault(_SESSION_KEY, {})
    found = memo.get((app_id, version))
    if found is not None:
        return found
    content_hash = session.info.get(_HASHES_KEY, {}).get((app_id, version))
    if content_hash is None:
        content_hash = session.scalar(_version_column(AppVersion.content_hash, app_id, version))
    assert content_hash is not None, f"{app_id} v{version} is missing"

    def read() -> AppDefinition:
        stored = session.scalars(_version_column(AppVersion.definition, app_id, version))
        return _sealed(stored.one())

    found = memo[(app_id, version)] = DEFINITIONS.get_or_make(content_hash, read)
    return found


def _version_column(column: Any, app_id: str, version: int) -> Select[Any]:
    """``column`` of ``app_id`` v``version`` (built only when it must be read: building the
    condition costs more than the memo look-up that usually answers instead)."""
    return select(column).where(AppVersion.app_id == app_id, AppVersion.version == version)


@event.listens_for(Session, "after_soft_rollback")
def _forget_versions(session: Session, _previous: object) -> None:
    """A rollback may undo a publish: look versions up again afterwards."""
    session.info.pop(_SESSION_KEY, None)
    session.info.pop(_HASHES_KEY, None)
