"""Emails about documents, queued in the outbox (or held for a digest) in the caller's
transaction. They say which library and document number, the dates and a link: never
the document's text or anything a practice wrote. Scheduled ones carry a ``dedupe_key``
so each goes once however often the job runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from miniapps.models import (
    App,
    DocumentAdoption,
    DocumentVersion,
    Membership,
    Organisation,
    Record,
    User,
)
from miniapps.services.notifications.events import queue_notification
from miniapps.services.permissions import app_roles

# Who keeps a library when its definition does not say (permissions.write).
DEFAULT_KEEPER_ROLES = ("pcn_manager",)
NOT_KEEPERS = frozenset({"platform_admin", "stakeholder"})


def day_text(day: date | None) -> str:
    """``3 May 2026``."""
    return f"{day.day} {day:%B %Y}" if day is not None else ""


def library_url(base_url: str, app: App, path: str = "", **query: str) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{base_url.rstrip('/')}/apps/{app.id}/library{path}" + (f"?{tail}" if tail else "")


def practice_managers(session: Session, practice: Organisation) -> list[User]:
    """Active practice managers of ``practice`` itself."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == practice.id,
            Membership.role == "practice_manager",
            User.active,
        )
        .order_by(User.id)
    )
    return list(session.scalars(query).unique())


def keeper_managers(session: Session, app: App, keeper: Organisation) -> list[User]:
    """Active people who keep ``app``'s documents at ``keeper``: holders of a role that
    may write them (``permissions.write``, else PCN managers) at or above ``keeper``."""
    roles = [r for r in app_roles(app, "write") or DEFAULT_KEEPER_ROLES if r not in NOT_KEEPERS]
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.role.in_(roles),
            User.active,
            literal(keeper.path).startswith(Organisation.path),
        )
        .order_by(User.id)
    )
    return list(session.scalars(query).unique())


def notify(
    session: Session,
    template: str,
    app: App,
    org: Organisation,
    recipients: Iterable[User],
    context: dict[str, Any],
    dedupe_key: str | None = None,
) -> int:
    """Queue ``email/<template>`` to each recipient; the number queued."""
    queued = queue_notification(
        session,
        template,
        recipients=list(recipients),
        context={"library_title": app.title, "org_name": org.name, "org_ods": org.ods, **context},
        app_id=app.id,
        organisation=org,
        dedupe_key=dedupe_key,
    )
    return len(queued)


def tell_practices_of_new_version(
    session: Session, app: App, record: Record, version: DocumentVersion, *, base_url: str
) -> int:
    """Tell the managers of each practice that adopted an earlier version to adopt this
    one by its ``readopt_due`` date."""
    query = select(DocumentAdoption.organisation_id).where(
        DocumentAdoption.record_id == record.id, DocumentAdoption.replaced_at.is_(None)
    )
    sent = 0
    for org_id in sorted(set(session.scalars(query))):
        practice = session.get(Organisation, org_id)
        if practice is None or not practice.active:
            continue
        context = {
            "document_ref": f"document {record.id}",
            "number": version.number,
            "due": day_text(version.readopt_due),
            "url": library_url(base_url, app, f"/{record.id}", org=practice.ods),
        }
        sent += notify(
            session,
            "document_new_version",
            app,
            practice,
            practice_managers(session, practice),
            context,
            dedupe_key=f"document-published:{version.id}:org:{practice.id}",
        )
    return sent
