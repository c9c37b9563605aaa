"""Who is asking: the signed-in user (session or bearer token), their access and organisation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import cast

from flask import Flask, Request, current_app, g, request, session
from flask_login import current_user
from sqlalchemy.orm import Session

from miniapps.db import db
from miniapps.extensions import login_manager
from miniapps.models import Organisation, User
from miniapps.services.permissions import PUBLISH, Access
from miniapps.services.users.tokens import token_user
from miniapps.services.users.units import Units
from miniapps.services.users.user_sessions import SessionPolicy, signed_in_user

# How long bookkeeping writes wait for SQLite's write lock before giving up.
BOOKKEEPING_LOCK_WAIT_SECONDS = 0.2
# The signed cookie's key for the server-side session id (see services/users/user_sessions.py).
SESSION_ID_KEY = "sid"


def db_units() -> Units:
    """Sign-in, session and token checks run in units of their own: reads that never take
    SQLite's write lock, and short writes (see services/users/units.py)."""
    return Units(read=_read_unit, write=db.transaction, bookkeeping=_bookkeeping_unit)


def _bookkeeping_unit() -> AbstractContextManager[Session]:
    """Last-seen and last-used notes: on SQLite they wait at most a moment for the write
    lock (then the note waits for a later request), never behind a long import."""
    return db.transaction(lock_wait_seconds=BOOKKEEPING_LOCK_WAIT_SECONDS)


@contextmanager
def _read_unit() -> Iterator[Session]:
    session = db.new_session(writes=False)
    try:
        yield session
    finally:
        session.close()  # nothing was written: the transaction just ends


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)
    app.context_processor(_template_globals)


def _load_user(user_id: str) -> User | None:
    """The cookie's user, only while its server-side session is live (not signed out,
    not idle or old past the timeouts, not ended by a password change)."""
    session_id = session.get(SESSION_ID_KEY)
    if not user_id.isdigit() or not isinstance(session_id, str):
        return None
    policy = SessionPolicy.from_config(current_app.config)
    return signed_in_user(db.session, db_units(), session_id, int(user_id), policy)


def _load_user_from_token(req: Request) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user, _check = token_user(db.session, db_units(), header.removeprefix("Bearer ").strip())
    if user is not None:
        g.authenticated_by_token = True
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
