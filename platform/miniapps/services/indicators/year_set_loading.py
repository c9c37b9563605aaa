"""Load an indicator year set centrally, as a new version of that app's year.

Loading a year set checks it (:func:`miniapps.core.indicators.year_sets.parse_year_set`), then
stores it as a new version of that app's year unless the same content is already in
force (loading twice is harmless), with an audit entry naming who loaded what. The set in
force is found by :mod:`miniapps.services.indicators.year_sets`. Flushes only; the caller
commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.indicators.year_sets import YearSet, parse_year_set
from miniapps.models import App, AuditEntry, IndicatorSet, User
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.year_sets import current_row


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
    if app_definition(session, app).indicator_source is None:
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
