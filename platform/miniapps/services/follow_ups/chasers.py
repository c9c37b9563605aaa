"""Chasing overdue follow-up actions (the scheduler's ``follow_up_chasers`` job).

An open action is overdue from the day after its due date. Each ``chase_every_days``
(the definition's ``follow_ups``, default 7) from then on it is chased once: on the first
overdue day, then every period after, until someone marks it done. A chaser goes to the
action's owner, when the owner text is the email address of an active user who may read
the action's organisation, and to the organisation's managers (practice managers of a
practice, PCN managers of a PCN). It names the app and the organisation and links to
the organisation's actions; never the action's text or anything else of the record.

Exactly once per period: each chaser's outbox ``dedupe_key`` is
``follow_up:<action id>:chase:<period number>`` (per recipient), so a second run, a
restart or a racing scheduler queues nothing more; ``last_chased_at`` notes the last.
Flush only; the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.records.follow_up_items import chase_every_days
from miniapps.models import App, Membership, User
from miniapps.models.follow_up import FollowUp
from miniapps.services.definitions import record_definition
from miniapps.services.follow_ups.listing import london_today
from miniapps.services.notifications.events import queue_notification
from miniapps.services.permissions import READ, Access
from miniapps.services.users import by_email

# Who is chased at the action's organisation besides its owner, by organisation type.
MANAGERS = {"practice": "practice_manager", "pcn": "pcn_manager"}


@dataclass
class ChaserReport:
    actions: int = 0  # overdue actions chased in this run
    emails: int = 0  # emails queued (or held for a digest)


def chase_period(due: date, today: date, every: int) -> int | None:
    """Which period of overdue days ``today`` is in (0 from the day after ``due``, 1
    ``every`` days later...); None while the action is not overdue."""
    if today <= due:
        return None
    return ((today - due).days - 1) // max(every, 1)


def queue_chasers(session: Session, now: datetime, *, base_url: str) -> ChaserReport:
    """Chase every overdue open action not yet chased in its current period."""
    report = ChaserReport()
    today = london_today(now)
    overdue = session.scalars(
        select(FollowUp)
        .join(App, App.id == FollowUp.app_id)
        .where(FollowUp.status == "open", FollowUp.due < today, App.status == "published")
        .order_by(FollowUp.id)
    )
    every_by_version: dict[tuple[str, int], int] = {}
    for action in overdue:
        record = action.record
        version = (record.app_id, record.app_version)
        if version not in every_by_version:
            spec = record_definition(session, record).follow_ups
            every_by_version[version] = chase_every_days(spec)
        every = every_by_version[version]
        assert action.due is not None  # the query asks for a due date before today
        period = chase_period(action.due, today, every)
        if period is None or _chased_in(action, period, every, today):
            continue
        app = session.get(App, action.app_id)
        org = action.organisation
        if app is None or not org.active:
            continue
        url = f"{base_url.rstrip('/')}/apps/{app.id}/actions?org={org.ods}#action-{action.id}"
        queued = queue_notification(
            session,
            "follow_up_chaser",
            recipients=chased_people(session, action, app),
            context={"app_title": app.title, "org_name": org.name, "org_ods": org.ods, "url": url},
            dedupe_key=f"follow_up:{action.id}:chase:{period}",
            app_id=app.id,
            organisation=org,
            urgent=True,
        )
        action.last_chased_at = now
        report.actions += 1
        report.emails += len(queued)
    session.flush()
    return report


def chased_people(session: Session, action: FollowUp, app: App) -> list[User]:
    """The owner (when their text is a user's email address and that user may read the
    organisation's records of the app) and the organisation's managers."""
    found: dict[int, User] = {}
    owner = by_email(session, action.owner) if action.owner and "@" in action.owner else None
    if owner is not None and owner.active and Access(owner).can(READ, action.organisation, app):
        found[owner.id] = owner
    role = MANAGERS.get(action.organisation.type)
    if role is not None:
        managers = session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == action.organisation_id,
                Membership.role == role,
                User.active,
            )
            .order_by(User.id)
        )
        for user in managers:
            found.setdefault(user.id, user)
    return list(found.values())


def _chased_in(action: FollowUp, period: int, every: int, today: date) -> bool:
    """Whether ``action`` was chased already in ``period`` (by ``last_chased_at``)."""
    if action.last_chased_at is None or action.due is None:
        return False
    period_start = action.due + timedelta(days=1 + period * every)
    return london_today(action.last_chased_at) >= period_start
