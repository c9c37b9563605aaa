"""The app and the organisation(s) of a new record, in one statement.

Creating a record through the API names the app (in the address) and the organisation
(by ODS code, in the body). Asked one after the other, they cost a statement each: the
app with whether the caller may know it exists
(:func:`~miniapps.services.records.listing.visible_app`), then the organisation with
whether the app is published to it
(:func:`~miniapps.services.organisations.by_ods_for_app`). :func:`app_and_org` reads
both at once, and answers only when that read settles the first question too: the
organisation is active, the app is published to it and the caller may read there, so
the app is visible by the very rule ``visible_app`` applies (or the caller is an admin
or owns the app). Anything else (no such app or organisation, a retired app, someone
else's organisation) gets None, and the caller asks the usual way, with the usual
answers (404, 422, 403), in the usual order.

The record form does the same with the organisations it offers
(:func:`~miniapps.services.organisations.writable_orgs`): :func:`app_with_writable_orgs`
reads the app with the organisations where the caller's roles may write, then keeps those
where the app's own ``permissions`` let them (known only once the app is read, so done
here, exactly as :meth:`~miniapps.services.permissions.Access.can` decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.app_retirement import is_readable
from miniapps.services.definitions import LATEST_HASH, remember_hash
from miniapps.services.permissions import READ, WRITE, Access
from miniapps.services.permissions.targeting import TARGETED_HERE

# Built once, bound per request.
_APP_AND_ORG = (
    select(App, LATEST_HASH, Organisation, TARGETED_HERE)
    .outerjoin(Organisation, Organisation.ods == bindparam("ods", type_=String))
    .where(App.id == bindparam("app_id", type_=String))
)


@dataclass(frozen=True)
class NewRecordPlace:
    app: App
    org: Organisation
    targeted: bool  # the app is published to org (or above it)


def app_and_org(session: Session, access: Access, app_id: str, ods: str) -> NewRecordPlace | None:
    """App ``app_id`` and the organisation with code ``ods`` when the caller surely sees
    the app (see the module's description); None when the usual look-ups must decide."""
    found = session.execute(_APP_AND_ORG, {"app_id": app_id, "ods": ods.strip().upper()}).first()
    if found is None:
        return None
    app, content_hash, org, targeted = found
    if org is None or not is_readable(app):
        return None
    seen = org.active and targeted and access.can(READ, org)
    if not (seen or access.is_admin or access.owns(app)):
        return None
    remember_hash(session, app, content_hash)  # its definition then costs no statement
    return NewRecordPlace(app, org, bool(targeted))


@lru_cache(maxsize=1024)
def _app_and_writable(
    writable: ColumnElement[bool],
) -> Select[App, str | None, Organisation]:
    """The app (bound as ``app_id``), its latest hash and each active organisation it is
    published to where ``writable`` holds (one row with no organisation when none does):
    one statement per shape of permission, built once."""
    where = and_(writable, TARGETED_HERE, Organisation.active)
    return (
        select(App, LATEST_HASH, Organisation)
        .outerjoin(Organisation, where)
        .where(App.id == bindparam("app_id", type_=String))
        .order_by(Organisation.path)
    )


def app_with_writable_orgs(
    session: Session, access: Access, app_id: str
) -> tuple[App, list[Organisation]] | None:
    """App ``app_id`` with :func:`~miniapps.services.organisations.writable_orgs`, when
    there is one at least and so the caller surely sees the app; None when the usual
    look-ups must decide (no such app, a retired one, nowhere to write)."""
    rows = session.execute(_app_and_writable(access.org_clause(WRITE)), {"app_id": app_id})
    found = rows.all()
    if not found or not is_readable(found[0][0]):
        return None
    app, content_hash = found[0][0], found[0][1]
    remember_hash(session, app, content_hash)
    orgs = [org for _, _, org in found if org is not None and access.can(WRITE, org, app)]
    if not orgs or not (access.can(READ, orgs[0]) or access.is_admin or access.owns(app)):
        return None
    return app, orgs
