"""Periodic returns: who owes what, the completeness grid, chasing, locking periods.

An organisation owes one return per period of a periodic app when it is active, the app
is targeted at it (or above it) and the definition's ``owed_by`` names its type or code.
The platform keeps no history of activation or targeting, so "owing in a period" uses
today's state: a practice made inactive stops counting in every period, past ones too,
and completeness therefore never exceeds 100 %. Everything here flushes only; the
caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from miniapps.core.definitions import AppDefinition
from miniapps.core.errors import MiniappsError
from miniapps.core.periods import period_label
from miniapps.core.returns import (
    PeriodRules,
    due_date,
    last_periods,
    percent_complete,
    return_status,
)
from miniapps.core.workflow import Workflow
from miniapps.models import (
    App,
    AuditEntry,
    Membership,
    Organisation,
    OutboxMessage,
    PeriodLock,
    Record,
    User,
)
from miniapps.models.organisation import subtree
from miniapps.services.notifications import queue_notification
from miniapps.services.permissions import (
    APPROVE,
    READ,
    ROLE_ACTIONS,
    WRITE,
    Access,
    Forbidden,
    targeted_clause,
)

LOCKING_ROLES = frozenset({"pcn_manager", "platform_admin"})
LOCKABLE_TYPES = frozenset({"icb", "place", "pcn"})
CHASED_ROLES = ("practice_manager", "practice_staff")
OPEN = ("not_started", "draft")


class PeriodLocked(MiniappsError):
    code = "period_locked"
    status = 409


class NotPeriodic(MiniappsError):
    code = "not_periodic"
    status = 400


@dataclass
class Cell:
    period: str
    status: str
    record_id: int | None = None
    locked: bool = False


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


def definition_of(app: App) -> AppDefinition:
    return AppDefinition(raw=app.versions[-1].definition)


def rules_of(app: App) -> PeriodRules:
    return PeriodRules.from_json(definition_of(app).period)


def owing_orgs(
    session: Session, access: Access, app: App, parent: Organisation, action: str = READ
) -> list[Organisation]:
    """Active, targeted organisations at or beneath ``parent`` that owe returns and where
    the user may ``action``."""
    rules = rules_of(app)
    query = select(Organisation).where(
        subtree(parent.path),
        Organisation.active,
        targeted_clause(app.id),
        access.org_clause(action, app),
    )
    found = session.scalars(query.order_by(Organisation.name, Organisation.ods))
    return [o for o in found if rules.owes(o.type, o.ods)]


def _locks(session: Session, app_id: str, periods: list[str]) -> list[PeriodLock]:
    query = select(PeriodLock).where(PeriodLock.app_id == app_id, PeriodLock.period.in_(periods))
    return list(session.scalars(query))


def _is_locked(locks: list[PeriodLock], org: Organisation, period: str) -> bool:
    return any(lock.period == period and org.is_within(lock.organisation) for lock in locks)


def _statuses(
    session: Session, app: App, orgs: list[Organisation], periods: list[str], today: date
) -> dict[tuple[int, str], Cell]:
    rules = rules_of(app)
    workflow = Workflow(definition_of(app).workflow)
    finals = [s for s, spec in workflow.states.items() if spec.get("final")]
    found: dict[tuple[int, str], tuple[str, int]] = {}
    if orgs and periods:
        records = session.execute(
            select(Record.organisation_id, Record.period, Record.status, Record.id)
            .where(
                Record.app_id == app.id,
                Record.organisation_id.in_([o.id for o in orgs]),
                Record.period.in_(periods),
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
            status, record_id = found.get((org.id, period), (None, None))
            locked = _is_locked(locks, org, period)
            cells[(org.id, period)] = Cell(
                period,
                return_status(
                    status,
                    initial=workflow.initial,
                    final_states=finals,
                    period=period,
                    rules=rules,
                    today=today,
                    locked=locked,
                ),
                record_id,
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
    six), each cell a status; per period the per cent submitted or approved."""
    today = today or date.today()
    rules = rules_of(app)
    if not rules.is_periodic:
        raise NotPeriodic(f"{app.title} has no periods, so no returns are owed.")
    if not access.can(READ, parent_org, app) and not owing_orgs(session, access, app, parent_org):
        raise Forbidden(f"You may not see returns for {parent_org.name} ({parent_org.ods}).")
    periods = periods or last_periods(today, rules, 6)
    orgs = owing_orgs(session, access, app, parent_org)
    cells = _statuses(session, app, orgs, periods, today)
    rows = [Row(org, [cells[(org.id, p)] for p in periods]) for org in orgs]
    percent = {p: percent_complete(cells[(o.id, p)].status for o in orgs) for p in periods}
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
        rules = rules_of(app)
        if not rules.is_periodic:
            continue
        lookback = {"weekly": 8, "monthly": 6, "quarterly": 4, "yearly": 2}[rules.frequency]
        periods = last_periods(today, rules, lookback)
        orgs = owing_orgs(session, access, app, org, WRITE)
        cells = _statuses(session, app, orgs, periods, today)
        for owing in orgs:
            for period in periods:
                cell = cells[(owing.id, period)]
                due = due_date(period, rules)
                this_month = (due.year, due.month) == (today.year, today.month)
                if cell.status == "overdue" or (this_month and cell.status in OPEN):
                    label = period_label(period)
                    items.append(
                        DueItem(app, owing, period, label, due, cell.status, cell.record_id)
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
) -> list[OutboxMessage]:
    """Email the organisation's practice managers and staff that a return is owed."""
    if not may_chase(access, app, org):
        raise Forbidden(f"You may not chase {org.name} ({org.ods}).")
    due = due_date(period, rules_of(app))
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


def _check_lockable(access: Access, app: App, org: Organisation) -> None:
    if org.type not in LOCKABLE_TYPES:
        raise Forbidden("Periods are locked for a PCN or a larger organisation, not a practice.")
    if not (access.roles_at(org) & LOCKING_ROLES) or not access.can(APPROVE, org, app):
        raise Forbidden(f"Only a PCN manager may lock or unlock periods for {org.name}.")


def _audit(session: Session, app: App, actor: User | None, action: str, org, period) -> None:
    session.add(
        AuditEntry(
            record_id=None,
            app_id=app.id,
            actor_id=actor.id if actor else None,
            action=action,
            changes=[
                {"pointer": "/period", "old": None, "new": period},
                {"pointer": "/organisation", "old": None, "new": org.ods},
            ],
        )
    )


def _lock_at(session: Session, app: App, org: Organisation, period: str) -> PeriodLock | None:
    return session.scalar(
        select(PeriodLock).where(
            PeriodLock.app_id == app.id,
            PeriodLock.organisation_id == org.id,
            PeriodLock.period == period,
        )
    )


def lock_period(
    session: Session, access: Access, app: App, org: Organisation, period: str, actor: User | None
) -> PeriodLock:
    """Lock ``period`` at ``org`` and everything beneath it (idempotent); audited."""
    _check_lockable(access, app, org)
    existing = _lock_at(session, app, org, period)
    if existing is not None:
        return existing
    lock = PeriodLock(
        app_id=app.id, organisation=org, period=period, locked_by_id=actor.id if actor else None
    )
    session.add(lock)
    _audit(session, app, actor, "lock_period", org, period)
    session.flush()
    return lock


def unlock_period(
    session: Session, access: Access, app: App, org: Organisation, period: str, actor: User | None
) -> bool:
    """Remove the lock of ``period`` at ``org``; audited. False when it was not locked."""
    _check_lockable(access, app, org)
    lock = _lock_at(session, app, org, period)
    if lock is None:
        return False
    session.delete(lock)
    _audit(session, app, actor, "unlock_period", org, period)
    session.flush()
    return True


def ensure_period_open(
    session: Session, app_id: str, org: Organisation, period: str | None
) -> None:
    """Raise :class:`PeriodLocked` (409) when ``period`` is locked at ``org`` or above."""
    if not period:
        return
    lock = session.scalar(
        select(PeriodLock)
        .join(Organisation, Organisation.id == PeriodLock.organisation_id)
        .where(
            PeriodLock.app_id == app_id,
            PeriodLock.period == period,
            literal(org.path).startswith(Organisation.path),
        )
        .limit(1)
    )
    if lock is not None:
        raise PeriodLocked(
            f"{period_label(period)} is locked for {lock.organisation.name} "
            f"({lock.organisation.ods}): its returns were signed off and can no longer "
            "change. Ask your PCN manager to unlock the period first."
        )
