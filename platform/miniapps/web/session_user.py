"""Who is asking: the signed-in user (session or bearer token), their access and organisation."""

from __future__ import annotations

from typing import cast

from flask import Flask, Request, g, request, session
from flask_login import current_user

from miniapps.db import db
from miniapps.extensions import login_manager
from miniapps.models import Organisation, User
from miniapps.services.permissions import PUBLISH, Access
from miniapps.services.users import active_user, user_for_token


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)
    app.context_processor(_template_globals)


def _load_user(user_id: str) -> User | None:
    return active_user(db.session, int(user_id)) if user_id.isdigit() else None


def _load_user_from_token(req: Request) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = user_for_token(db.session, header.removeprefix("Bearer ").strip())
    if user is not None:
        g.authenticated_by_token = True
        db.session.commit()  # record last_used_at
    return user


def current_access() -> Access:
    if "access" not in g:
        g.access = Access(current_user if current_user.is_authenticated else None)
    return cast(Access, g.access)


def current_org() -> Organisation | None:
    """The organisation the user is acting for now (chosen in the header switcher)."""
    if not current_user.is_authenticated or not current_user.memberships:
        return None
    chosen = session.get("org_id")
    orgs = {m.organisation.id: m.organisation for m in current_user.memberships}
    return cast(Organisation, orgs.get(chosen) or current_user.memberships[0].organisation)


def _template_globals() -> dict[str, object]:
    if not current_user.is_authenticated or request.blueprint == "api":
        return {}
    memberships = current_user.memberships
    return {
        "current_org": current_org(),
        "switchable_orgs": sorted(
            {m.organisation for m in memberships}, key=lambda o: (o.path.count("/"), o.name)
        ),
        "roles_here": sorted({m.role for m in memberships if m.organisation == current_org()}),
        "can_publish": current_access().may_anywhere(PUBLISH),
    }
