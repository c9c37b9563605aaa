"""Periodic returns: who owes what, the completeness grid, chasing, locking periods.

Who owes a return for app X in period P is answered in one place,
:func:`miniapps.services.returns.owing.owing_by_period`: the grid, its percentages, the home
page's due list and the chase action all ask it. It follows history, not today's state,
so joining, closing or a change of targets never rewrites past periods, and
completeness never exceeds 100 %. Locking periods lives in
:mod:`miniapps.services.returns.locks` (its names are importable from here too).
Everything here flushes only; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.errors import MiniappsError
from miniapps.core.periods.keys import period_label
from miniapps.core.periods.schedule import (
    NOT_OWED,
    due_date,
    last_periods,
    percent_complete,
    return_status,
)
from miniapps.core.workflow import Workflow
from miniapps.models import (
    App,
    HeldNotification,
    Membership,
    Organisation,
    OutboxMessage,
    PeriodLock,
    Record,
    User,
)
from miniapps.services.definitions import app_definition
from miniapps.services.notifications.events import queue_notification
from miniapps.services.permissions import (
    APPROVE,
    READ,
    ROLE_ACTIONS,
    WRITE,
    Access,
    Forbidden,
)
from miniapps.services.returns.locks import LOCKABLE_TYPES as LOCKABLE_TYPES
from miniapps.services.returns.locks import LOCKING_ROLES as LOCKING_ROLES
from miniapps.services.returns.locks import PeriodLocked as PeriodLocked
from miniapps.services.returns.locks import ensure_period_open as ensure_period_open
from miniapps.services.returns.locks import lock_period as lock_period
from miniapps.services.returns.locks import unlock_period as unlock_period
from miniapps.services.returns.owing import (
    ever_targeted,
    owes,
    owing_by_period,
    target_spans,
)
from miniapps.services.returns.owing import rules_of as rules_of

CHASED_ROLES = ("practice_manager", "practice_staff")
OPEN = ("not_started", "draft")


class NotPeriodic(MiniappsError):
    code = "not_periodic"
    kind = "bad_request"


class NotOwed(MiniappsError):
    code = "not_owed"
    kind = "conflict"


@dataclass
class Cell:
    period: str
    status: str
    record_id: int | None = None
    locked: bool = False
    owed: bool = True


@dataclass
class Row:
    org: Organisation
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    periods: list[str]
    rows: list[Row]
    percent: dict[str, int]
    locked: dict[str, bool]  # period -> locked at (or above) the grid's organisation


@dataclass
class DueItem:
    app: App
    org: Organisation
    period: str
    label: str
    due: date
    status: str
    record_id: int | None


def _locks(session: Session, app_id: str, periods: list[str]) -> list[PeriodLock]:
    query = select(PeriodLock).where(PeriodLock.app_id == app_id, PeriodLock.period.in_(periods))
    return list(session.scalars(query))


def _is_locked(locks: list[PeriodLock], org: Organisation, period: str) -> bool:
    return any(lock.period == period and org.is_within(lock.organisation) for lock in locks)


def return_statuses(
    session: Session, app: App, orgs: list[Organisation], periods: list[str], today: date
) -> dict[tuple[int, str], Cell]:
    """The return status of each of ``orgs`` in each of ``periods``, by (org id, period)."""
    rules = rules_of(session, app)
    workflow = Workflow(app_definition(session, app).workflow)
    finals = [s for s, spec in workflow.states.items() if spec.get("final")]
    found: dict[tuple[int, str | None], tuple[str, int]] = {}
    if orgs and periods:
        records = session.execute(
            select(Record.organisation_id, Record.period, Record.status, Record.id)
            .where(
                Record.app_id == app.id,
                Record.organisation_id.in_([o.id for o in orgs]),
                Record.period.in_(periods),
                Record.superseded.is_(False),
            )
            .order_by(Record.id)
        )
        for org_id, period, status, record_id in records:
            key = (org_id, period)
            # One return per period; if there are several, the furthest along counts.
            if key not in found or found[key][0] == workflow.initial:
                found[key] = (status, record_id)
    locks = _locks(session, app.id, periods)
    cells = {}
    for org in orgs:
        for period in periods:
            found_status, found_id = found.get((org.id, period), (None, None))
            locked = _is_locked(locks, org, period)
            cells[(org.id, period)] = Cell(
                period,
                return_status(
                    found_status,
                    initial=workflow.initial,
                    final_states=finals,
                    period=period,
                    rules=rules,
                    today=today,
                    locked=locked,
                ),
                found_id,
                locked,
            )
    return cells


def completeness(
    session: Session,
    access: Access,
    app: App,
    parent_org: Organisation,
    periods: list[str] | None = None,
    *,
    today: date | None = None,
) -> Grid:
    """Practices (or whoever owes) beneath ``parent_org`` by ``periods`` (default: the last
    six), each cell a status; per period the per cent submitted or approved.

    Rows are the organisations that owe in at least one of the periods; a cell for a
    period it owed nothing is :data:`~miniapps.core.periods.schedule.NOT_OWED` and counts for
    nothing in that period's percentage."""
    today = today or date.today()
    rules = rules_of(session, app)
    if not rules.is_periodic:
        raise NotPeriodic(f"{app.title} has no periods, so no returns are owed.")
    if not access.can(READ, parent_org, app) and not ever_targeted(
        session, app, target_spans(session, app), parent_org, access, READ
    ):
        raise Forbidden(f"You may not see returns for {parent_org.name} ({parent_org.ods}).")
    periods = periods or last_periods(today, rules, 6)
    owing = owing_by_period(session, app, periods, within=parent_org, access=access)
    owing_ids = {period: {o.id for o in found} for period, found in owing.items()}
    orgs = sorted(
        {o.id: o for found in owing.values() for o in found}.values(),
        key=lambda o: (o.name, o.ods),
    )
    cells = return_statuses(session, app, orgs, periods, today)
    for (org_id, period), cell in cells.items():
        if org_id not in owing_ids[period]:
            cell.status, cell.owed = NOT_OWED, False
    rows = [Row(org, [cells[(org.id, p)] for p in periods]) for org in orgs]
    percent = {p: percent_complete(cells[(o.id, p)].status for o in owing[p]) for p in periods}
    locks = _locks(session, app.id, periods)
    locked = {p: _is_locked(locks, parent_org, p) for p in periods}
    return Grid(periods, rows, percent, locked)


def due_for(
    session: Session, access: Access, org: Organisation, today: date, apps: list[App]
) -> list[DueItem]:
    """Returns the user may write at or beneath ``org`` that are due this month (due date
    in today's month, not yet submitted) or overdue, for each periodic app in ``apps``."""
    items: list[DueItem] = []
    for app in apps:
        rules = rules_of(session, app)
        if not rules.is_periodic or app.status != "published":  # a retired app is owed nothing
            continue
        lookback = {"weekly": 8, "monthly": 6, "quarterly": 4, "yearly": 2}[rules.frequency]
        periods = last_periods(today, rules, lookback)
        owing = owing_by_period(session, app, periods, within=org, access=access, action=WRITE)
        orgs = list({o.id: o for found in owing.values() for o in found}.values())
        cells = return_statuses(session, app, orgs, periods, today)
        for period in periods:
            due = due_date(period, rules)
            this_month = (due.year, due.month) == (today.year, today.month)
            for owing_org in owing[period]:
                cell = cells[(owing_org.id, period)]
                if cell.status == "overdue" or (this_month and cell.status in OPEN):
                    label = period_label(period)
                    items.append(
                        DueItem(app, owing_org, period, label, due, cell.status, cell.record_id)
                    )
    return sorted(items, key=lambda i: (i.status != "overdue", i.due, i.app.title, i.org.name))


def may_chase(access: Access, app: App, org: Organisation) -> bool:
    """Approvers holding their role strictly above ``org`` (a PCN manager over a practice)."""
    if access.is_admin:
        return True
    above = any(
        APPROVE in ROLE_ACTIONS.get(m.role, ())
        and org.path.startswith(m.organisation.path)
        and m.organisation.path != org.path
        for m in access.memberships
    )
    return above and access.can(APPROVE, org, app)


def chase(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    period: str,
    actor: User | None,
    base_url: str,
) -> list[OutboxMessage | HeldNotification]:
    """Email the organisation's practice managers and staff that a return is owed.

    Refused (:class:`NotOwed`) when ``org`` owes no return for ``period``."""
    if not may_chase(access, app, org):
        raise Forbidden(f"You may not chase {org.name} ({org.ods}).")
    if not owes(session, app, org, period):
        raise NotOwed(
            f"{org.name} ({org.ods}) owes no {app.title} return for {period_label(period)}: "
            "it was not active, or the app was not published to it, at the end of that period."
        )
    due = due_date(period, rules_of(session, app))
    recipients = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.role.in_(CHASED_ROLES),
                Membership.organisation_id == org.id,
                User.active,
            )
            .distinct()
            .order_by(User.id)
        )
    )
    context: dict[str, Any] = {
        "app_title": app.title,
        "org_name": org.name,
        "org_ods": org.ods,
        "period": period_label(period),
        "due": f"{due.day} {due:%B %Y}",
        "actor_name": actor.name if actor is not None else None,
        "url": f"{base_url.rstrip('/')}/apps/{app.id}/new?period={period}&org={org.ods}",
    }
    return queue_notification(session, "return_chase", recipients=recipients, context=context)
