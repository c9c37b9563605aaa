"""Who owes a return for a periodic app in a period: the one answer every surface asks.

An organisation owes the return for a period when, on the period's last day, it was
active and the app was targeted at it or above it, and the definition's ``owed_by``
names its type or code (:func:`miniapps.core.periods.schedule.owes_in_period`). Targets come
from :class:`~miniapps.models.AppTarget` (current, with ``targeted_from``) and
:class:`~miniapps.models.EndedTarget` (dropped by a later publish), activity from
``Organisation.active_from`` / ``closed_on``; today's ``active`` flag plays no part, so
closing a practice or changing targets never rewrites past periods.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from miniapps.core.periods.schedule import PeriodRules, Span, owes_in_period
from miniapps.models import App, AppTarget, EndedTarget, Organisation
from miniapps.models.organisation import subtree
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import READ, Access


def rules_of(session: Session, app: App) -> PeriodRules:
    """The period rules of ``app``'s latest definition."""
    return PeriodRules.from_json(app_definition(session, app).period)


def target_spans(session: Session, app: App) -> list[tuple[str, Span]]:
    """Every target ``app`` has or had: (path of the targeted organisation, when)."""
    current = session.execute(
        select(Organisation.path, AppTarget.targeted_from)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app.id)
    )
    ended = session.execute(
        select(Organisation.path, EndedTarget.targeted_from, EndedTarget.ended_on)
        .join(EndedTarget, EndedTarget.organisation_id == Organisation.id)
        .where(EndedTarget.app_id == app.id)
    )
    return [(path, Span(start)) for path, start in current] + [
        (path, Span(start, end)) for path, start, end in ended
    ]


def ever_targeted(
    session: Session,
    app: App,
    spans: list[tuple[str, Span]],
    within: Organisation | None,
    access: Access | None,
    action: str,
) -> list[Organisation]:
    """Organisations the app is or was targeted at (or above), at or beneath ``within``,
    where ``access`` allows ``action``; by name."""
    if not spans:
        return []
    query = select(Organisation).where(or_(*(subtree(p) for p in {p for p, _ in spans})))
    if within is not None:
        query = query.where(subtree(within.path))
    if access is not None:
        query = query.where(access.org_clause(action, app))
    return list(session.scalars(query.order_by(Organisation.name, Organisation.ods)))


def owing_by_period(
    session: Session,
    app: App,
    periods: list[str],
    *,
    within: Organisation | None = None,
    access: Access | None = None,
    action: str = READ,
) -> dict[str, list[Organisation]]:
    """Which organisations owe a return for ``app`` in each of ``periods`` (by name).

    Only organisations at or beneath ``within`` (default: everywhere) and, given
    ``access``, those where the user may ``action``. History decides, not today's state:
    see :func:`miniapps.core.periods.schedule.owes_in_period`.
    """
    rules = rules_of(session, app)
    spans = target_spans(session, app)
    owing: dict[str, list[Organisation]] = {period: [] for period in periods}
    if not rules.is_periodic:
        return owing
    for org in ever_targeted(session, app, spans, within, access, action):
        targeted = [span for path, span in spans if org.path.startswith(path)]
        active = Span(org.active_from, org.closed_on)
        for period in periods:
            if owes_in_period(
                period, rules, org_type=org.type, ods=org.ods, active=active, targeted=targeted
            ):
                owing[period].append(org)
    return owing


def owes(session: Session, app: App, org: Organisation, period: str) -> bool:
    """Whether ``org`` owes a return for ``app`` in ``period``."""
    return org in owing_by_period(session, app, [period], within=org)[period]
