"""Where an app is published: it reaches the organisations it targets and every one
beneath them (materialised path), as an SQL condition or for one organisation."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import ColumnElement, String, bindparam, select
from sqlalchemy.orm import Session, aliased

from miniapps.models import App, AppTarget, Organisation

# An alias, so the outer Organisation is not correlated away; made once (a new alias per
# call cost about a millisecond of column proxies on every request that checks targeting).
_TARGET = aliased(Organisation)


@lru_cache(maxsize=1024)
def targeted_clause(app_id: str) -> ColumnElement[bool]:
    """SQL condition on :class:`Organisation`: the app is published to it or to one above it.
    Made once per app id (SQL expressions are immutable, so one serves every statement):
    building it cost more than running the statement it goes into."""
    return (
        select(AppTarget.id)
        .join(_TARGET, AppTarget.organisation_id == _TARGET.id)
        .where(AppTarget.app_id == app_id, Organisation.path.startswith(_TARGET.path))
        .exists()
    )


# The paths of the organisations an app is published to: built once, bound per call.
_TARGET_PATHS = (
    select(Organisation.path)
    .join(AppTarget, AppTarget.organisation_id == Organisation.id)
    .where(AppTarget.app_id == bindparam("app_id", type_=String))
)


def is_targeted(session: Session, app_id: str, org: Organisation) -> bool:
    """Whether the app is published to ``org`` or to an organisation above it."""
    paths = session.scalars(_TARGET_PATHS, {"app_id": app_id})
    return any(org.path.startswith(p) for p in paths)


# targeted_clause for the App of the enclosing statement (which reads App and
# Organisation together): whether that app is published to that organisation or above it.
TARGETED_HERE = (
    select(AppTarget.id)
    .join(_TARGET, AppTarget.organisation_id == _TARGET.id)
    .where(AppTarget.app_id == App.id, Organisation.path.startswith(_TARGET.path))
    .exists()
)
