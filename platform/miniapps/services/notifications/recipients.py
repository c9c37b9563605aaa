"""Who is told of something that happened to a record: the active holders of some roles at
its organisation or above, and its submitter.

One occurrence (a workflow step) may ask for several lists of roles: the definition's
``notifications`` for the step, then the built-in email's. :func:`role_holders` reads the
holders of all of them in one statement, with the roles each holds there (which, for
nearly everyone, already say that they may see the record: :meth:`RoleHolders.seeing`)
and their delivery for the record's app (immediately or in a digest), so routing the
emails needs no statement per recipient. It reads them as plain rows (:class:`Person`):
what an email needs of its recipient, without loading a user object for each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Select, String, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from miniapps.core.workflow import Workflow
from miniapps.db_direct import direct_connection
from miniapps.models import (
    App,
    AuditEntry,
    Membership,
    NotificationPreference,
    Organisation,
    Record,
    User,
)
from miniapps.models.notification_preference import IMMEDIATE
from miniapps.services.definitions import record_definition
from miniapps.services.notifications.addressees import Addressee, Person
from miniapps.services.permissions.rules import READ, WRITE, app_roles, grants

SUBMITTER = "submitter"


@dataclass
class RoleHolders:
    """Active holders of ``roles`` at a record's organisation or above (by user id)."""

    roles: frozenset[str]
    users: dict[int, Person] = field(default_factory=dict)  # in id order
    held: dict[int, set[str]] = field(default_factory=dict)  # user id -> their roles here
    deliveries: dict[int, str] = field(default_factory=dict)  # user id -> for the app

    def covers(self, roles: Iterable[str]) -> bool:
        return self.roles.issuperset(roles)

    def seeing(self, record: Record, app: App | None) -> set[int]:
        """Those who see ``record`` by a role read here: held at its organisation or above
        and granting what :meth:`~miniapps.services.permissions.Access.sees_as_provider`
        asks, so their memberships need not be read to know it (the others' are)."""
        action = WRITE if record.status == "draft" else READ
        allowed = app_roles(app, action)
        return {
            user_id
            for user_id, roles in self.held.items()
            if any(grants(role, action, allowed) for role in roles)
        }

    def holding(self, roles: Iterable[str]) -> list[Person]:
        """Those holding one of ``roles`` (all of them read here), in id order."""
        wanted = set(roles)
        return [user for user_id, user in self.users.items() if self.held[user_id] & wanted]


# Holders of some roles at an organisation's path or above and their delivery for the
# app: built once per set of roles, bound per call (building it and its cache key cost
# more than running it; the roles as one parameter each, so that the SQL is not written
# again for each call, as an expanding IN would be). Their memberships are read only for
# those the roles found do not let see the record (:meth:`RoleHolders.seeing`).
@lru_cache(maxsize=128)
def _holders_query(roles: tuple[str, ...]) -> Select[int, str, str, bool, str, str, str | None]:
    return (
        select(
            User.id,
            User.email,
            User.name,
            User.active,
            User.notification_delivery,
            Membership.role,
            NotificationPreference.delivery,
        )
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .outerjoin(
            NotificationPreference,
            and_(
                NotificationPreference.user_id == User.id,
                NotificationPreference.app_id == bindparam("app_id", type_=String),
            ),
        )
        .where(
            or_(*(Membership.role == role for role in roles)),
            User.active,
            bindparam("path", type_=String).startswith(Organisation.path),
        )
        .order_by(User.id)
    )


def role_holders(session: Session, record: Record, roles: Iterable[str]) -> RoleHolders:
    """The active holders of ``roles`` (``"submitter"`` is not a role: left out) at the
    record's organisation or above, in one statement."""
    holders = RoleHolders(frozenset(role for role in roles if role != SUBMITTER))
    if not holders.roles:
        return holders
    query = _holders_query(tuple(sorted(holders.roles)))
    values = {"app_id": record.app_id, "path": record.organisation.path}
    for user_id, email, name, active, delivery, role, for_app in direct_connection(session).execute(
        query, values
    ):
        holders.users.setdefault(user_id, Person(user_id, email, name, active, delivery))
        holders.held.setdefault(user_id, set()).add(role)
        holders.deliveries[user_id] = for_app or delivery or IMMEDIATE
    return holders


def recipients_for(
    session: Session,
    record: Record,
    to: Sequence[str],
    *,
    exclude: User | None = None,
    holders: RoleHolders | None = None,
) -> list[Addressee]:
    """Active users holding one of the roles in ``to`` at the record's organisation or
    above it, plus the record's submitter when ``to`` names ``"submitter"``.

    ``exclude`` (usually whoever acted) is left out: nobody is emailed about their own act.
    ``holders``: role holders already read for this occurrence (read again when they do
    not cover ``to``'s roles).
    """
    roles = [role for role in to if role != SUBMITTER]
    found: dict[int, Addressee] = {}
    if roles:
        if holders is None or not holders.covers(roles):
            holders = role_holders(session, record, roles)
        found.update((user.id, user) for user in holders.holding(roles))
    if SUBMITTER in to:
        submitter = _submitter(session, record)
        if submitter is not None and submitter.active:
            found.setdefault(submitter.id, submitter)
    if exclude is not None:
        found.pop(exclude.id, None)
    return list(found.values())


def _submitter(session: Session, record: Record) -> User | None:
    """Whoever last took the submit action (the first one out of the initial state)."""
    submit = Workflow(record_definition(session, record).workflow).submit_action()
    if submit is not None:
        actor_id = session.scalar(
            select(AuditEntry.actor_id)
            .where(AuditEntry.record_id == record.id, AuditEntry.action == submit.action)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        if actor_id is not None:
            return session.get(User, actor_id)
    return record.created_by
