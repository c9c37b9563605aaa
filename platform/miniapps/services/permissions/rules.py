"""What an app's own definition says about access: the actions a role may take, the roles
its ``permissions`` member allows for each, and whether its records are about another
organisation. Kept apart from :mod:`.access`, which applies them to a user's memberships.

Read from the process's cached definition of the app's latest version, so asking costs
no statement and parses no JSON once the version is known to the session.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import object_session

from miniapps.models import App
from miniapps.services.definitions import app_definition

READ, WRITE, APPROVE, PUBLISH = "read", "write", "approve", "publish"
# See an app's aggregate figures (its dashboards) without reading its records: every role
# that may read may see them; an app's ``permissions.dashboard`` adds roles (app_roles).
DASHBOARD = "dashboard"
ACTIONS = (READ, WRITE, APPROVE, PUBLISH, DASHBOARD)

# Which roles grant which action on records of the member organisation and below.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "platform_admin": frozenset(ACTIONS),
    "icb_viewer": frozenset({READ, DASHBOARD}),
    "pcn_manager": frozenset({READ, WRITE, APPROVE, PUBLISH, DASHBOARD}),
    "practice_manager": frozenset({READ, WRITE, APPROVE, DASHBOARD}),
    "practice_staff": frozenset({READ, WRITE, DASHBOARD}),
    # Stakeholders see the records their organisation holds as channel items (and the
    # records of apps their organisation owns: OWNER_ACTIONS), nothing else.
    "stakeholder": frozenset(),
}
# What a stakeholder membership grants on an app its organisation owns, in its area.
# PUBLISH also holds for a new app (no app yet): a stakeholder starts an ad hoc collection.
OWNER_ACTIONS = frozenset({READ, PUBLISH, DASHBOARD})


def grants(role: str, action: str, allowed: Collection[str] | None) -> bool:
    """Whether a membership of ``role`` grants ``action`` at its organisation and below,
    where the app's ``permissions`` allow the roles ``allowed`` for it (None: any role;
    see :func:`app_roles`). A platform admin's is never narrowed."""
    if action not in ROLE_ACTIONS.get(role, ()):
        return False
    return allowed is None or role in allowed or role == "platform_admin"


def app_roles(app: App | None, action: str) -> list[str] | None:
    """Roles an app's ``permissions`` member allows for ``action`` (None: no restriction).
    :data:`DASHBOARD`: the readers and the roles ``permissions.dashboard`` adds."""
    latest = _latest_definition(app)
    if latest is None:
        return None
    permissions: dict[str, Any] = latest.get("permissions") or {}
    roles = permissions.get(action)
    if action == DASHBOARD:
        readers = permissions.get(READ)
        return None if readers is None else [*readers, *(roles or [])]
    return list(roles) if roles is not None else None


def has_subject(app: App) -> bool:
    """Whether ``app``'s latest definition makes records about another organisation."""
    latest = _latest_definition(app)
    return latest is not None and latest.get("subject") is not None


def _latest_definition(app: App | None) -> dict[str, Any] | None:
    """The JSON of ``app``'s latest version (None before its first publish): the
    process's cached definition of it, so a request parses no version's JSON; an app in no
    session reads its loaded versions."""
    if app is None:
        return None
    session = object_session(app)
    if session is None or app.latest_version is None:
        return app.versions[-1].definition if app.versions else None
    return app_definition(session, app).raw
