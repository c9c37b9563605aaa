"""Who may look at which practice's compliance, and with which framework: the rules the
compliance page and ``GET /api/v1/compliance`` share.

A compliance view is about a practice. The user may look at a practice whose records of
the framework's home app (the app declaring ``compliance``) they may read: practice
roles their own practice, a PCN manager the PCN's practices, an ICB viewer the practices
beneath the ICB. Stakeholders read none. Reads only.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.app_visibility import visible_apps
from miniapps.services.compliance.assessment import UnknownFramework, loaded_versions
from miniapps.services.compliance.frameworks import stored_frameworks
from miniapps.services.compliance.source_types import EvidenceItem
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import READ, Access

ASSESSED_TYPES = frozenset({"practice"})


def home_framework(session: Session, app: App) -> str | None:
    """The framework ``app`` is the home of (its latest definition's ``compliance``)."""
    compliance = app_definition(session, app).compliance
    return compliance["framework"] if compliance else None


def assessable_practices(session: Session, access: Access, app: App | None) -> list[Organisation]:
    """The practices whose compliance the user may see, by name: those where they may read
    ``app``'s records (any app's, by role, when ``app`` is None)."""
    found = [org for org in access.orgs(session, READ, app) if org.type in ASSESSED_TYPES]
    return sorted(found, key=lambda org: org.name)


def home_apps(session: Session, access: Access) -> list[tuple[App, str]]:
    """The compliance home apps the user sees, each with its framework id, by title."""
    found = []
    for app in visible_apps(session, access):
        framework = home_framework(session, app)
        if framework is not None:
            found.append((app, framework))
    return found


def framework_for_api(
    session: Session, access: Access, framework: str | None
) -> tuple[str, App | None]:
    """The framework an API caller asks about (given, or that of the home app they see,
    or the only one loaded) and its home app among those they see, if any. Raises
    :class:`UnknownFramework` when it is not loaded or cannot be told."""
    homes = home_apps(session, access)
    if framework is None:
        named = {fid for _app, fid in homes}
        loaded = {row.framework_id for row in stored_frameworks(session)}
        candidates = named if len(named) == 1 else loaded if len(loaded) == 1 else set()
        if not candidates:
            raise UnknownFramework(
                "Name the framework: framework=<id> (see miniapps frameworks list)"
            )
        framework = next(iter(candidates))
    if not loaded_versions(session, framework):
        raise UnknownFramework(f"framework '{framework}' is not loaded")
    home = next((app for app, fid in homes if fid == framework), None)
    return framework, home


def openable_items(
    session: Session, access: Access, org: Organisation, items: Iterable[EvidenceItem]
) -> list[EvidenceItem]:
    """The items of ``items`` the user may open: an item of an app's records only where
    they may read that app's records at ``org`` (counts include the rest)."""
    readable: dict[str, bool] = {}
    shown = []
    for item in items:
        if item.app_id is None:
            shown.append(item)
            continue
        if item.app_id not in readable:
            app = session.get(App, item.app_id)
            readable[item.app_id] = app is not None and access.can(READ, org, app)
        if readable[item.app_id]:
            shown.append(item)
    return shown
