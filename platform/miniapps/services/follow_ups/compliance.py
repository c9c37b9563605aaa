"""Audits in the compliance view and the inspection pack: the ``audits`` source of
:data:`miniapps.services.compliance.sources.SOURCES`.

Gaps, against the statements an app's ``evidence`` names for the framework:

- ``actions_open``: an organisation's follow-up actions past their due date and still
  open, one gap per app ("Infection prevention and control audit: 2 overdue actions,
  the oldest due 3 May 2026");
- ``audit_not_done``: for a periodic app with ``evidence``, the returns an organisation
  owed in the last twelve months and has not made, now overdue (by the returns tracking
  of :mod:`miniapps.services.returns.tracking`), one gap per app.

Evidence is none here: submitted audits are counted by the ``records`` source, once.
The pack gets the organisation's actions as a table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.periods.keys import period_label
from miniapps.core.periods.schedule import (
    PeriodRules,
    Span,
    due_date,
    last_periods,
    owes_in_period,
)
from miniapps.models import App, AppVersion, Organisation, Record
from miniapps.models.follow_up import FollowUp
from miniapps.services.compliance.source_types import Gap, PackTable, SourceBase
from miniapps.services.follow_ups.listing import london_today
from miniapps.services.returns.owing import target_spans
from miniapps.services.returns.tracking import return_statuses

SOURCE = "audits"
# Periods looked back over for returns not made: about twelve months, today's included.
LOOKBACK = {"weekly": 53, "monthly": 13, "quarterly": 5, "yearly": 2}
ACTION_COLUMNS = ["App", "Record", "Item", "Action", "Owner", "Due", "Status", "Done", "Note"]


class AuditActions(SourceBase):
    """Open actions and audits not done, as compliance gaps; the action list for packs."""

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> list[Gap]:
        if not orgs:
            return []
        apps = mapped_apps(session, framework)
        today = london_today(now)
        return [
            *_open_action_gaps(session, orgs, framework, apps, today),
            *_not_done_gaps(session, orgs, framework, apps, today),
        ]

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> list[PackTable]:
        from miniapps.services.compliance.source_types import PackTable

        query = (
            select(FollowUp, App.title)
            .join(App, App.id == FollowUp.app_id)
            .join(Record, Record.id == FollowUp.record_id)
            .where(
                FollowUp.organisation_id == org.id,
                or_(FollowUp.status == "open", FollowUp.done_at >= since),
            )
            .order_by(App.title, FollowUp.record_id, FollowUp.item_index)
        )
        rows = [
            [
                title,
                action.record_id,
                action.item_index + 1,
                action.title,
                action.owner or "",
                action.due.isoformat() if action.due else "",
                action.status,
                action.done_at.date().isoformat() if action.done_at else "",
                action.note or "",
            ]
            for action, title in session.execute(query)
        ]
        if not rows:
            return []
        return [PackTable("actions", "Audit actions", ACTION_COLUMNS, rows)]


def mapped_apps(session: Session, framework: str) -> dict[str, tuple[App, AppDefinition]]:
    """Published apps whose latest definition is evidence for ``framework``, by id."""
    rows = session.execute(
        select(App, AppVersion.definition)
        .join(
            AppVersion, (AppVersion.app_id == App.id) & (AppVersion.version == App.latest_version)
        )
        .where(App.status == "published")
    )
    found: dict[str, tuple[App, AppDefinition]] = {}
    for app, raw in rows:
        if any(e.get("framework") == framework for e in raw.get("evidence") or []):
            found[app.id] = (app, AppDefinition(raw=raw))
    return found


def statements_of(definition: AppDefinition, framework: str) -> tuple[str, ...]:
    """The statements ``definition``'s ``evidence`` names for ``framework`` (those a
    ``statements_field`` holds vary by record, so they name none here)."""
    named = (
        s
        for entry in definition.evidence
        if entry.get("framework") == framework
        for s in entry.get("statements") or ()
    )
    return tuple(dict.fromkeys(named))


def _open_action_gaps(
    session: Session,
    orgs: Sequence[Organisation],
    framework: str,
    apps: dict[str, tuple[App, AppDefinition]],
    today: date,
) -> list[Gap]:
    from miniapps.services.compliance.source_types import Gap

    if not apps:
        return []
    by_id = {org.id: org for org in orgs}
    query = (
        select(FollowUp.organisation_id, FollowUp.app_id, func.count(), func.min(FollowUp.due))
        .where(
            FollowUp.status == "open",
            FollowUp.due < today,
            FollowUp.organisation_id.in_(list(by_id)),
            FollowUp.app_id.in_(list(apps)),
        )
        .group_by(FollowUp.organisation_id, FollowUp.app_id)
    )
    gaps = []
    for org_id, app_id, count, oldest in session.execute(query):
        app, definition = apps[app_id]
        statements = statements_of(definition, framework)
        if not statements:
            continue
        noun = "action" if count == 1 else "actions"
        text = f"{app.title}: {count} overdue {noun}, the oldest due {_day(oldest)}"
        link = f"/apps/{app_id}/actions?org={by_id[org_id].ods}&status=overdue"
        gaps.append(Gap(org_id, framework, statements, "actions_open", text, SOURCE, link))
    return gaps


def _not_done_gaps(
    session: Session,
    orgs: Sequence[Organisation],
    framework: str,
    apps: dict[str, tuple[App, AppDefinition]],
    today: date,
) -> list[Gap]:
    from miniapps.services.compliance.source_types import Gap

    gaps = []
    for app_id, (app, definition) in apps.items():
        rules = PeriodRules.from_json(definition.period)
        statements = statements_of(definition, framework)
        if not rules.is_periodic or not statements:
            continue
        periods = last_periods(today, rules, LOOKBACK[rules.frequency])
        owing = _owing(session, app, rules, orgs, periods)
        if not owing:
            continue
        cells = return_statuses(
            session, app, list({o.id: o for o, _ in owing}.values()), periods, today
        )
        missed: dict[int, list[str]] = defaultdict(list)
        for org, period in owing:
            if cells[(org.id, period)].status == "overdue":
                missed[org.id].append(period)
        for org in orgs:
            if not missed.get(org.id):
                continue
            gaps.append(
                Gap(
                    org.id,
                    framework,
                    statements,
                    "audit_not_done",
                    _not_done_text(app.title, missed[org.id], rules),
                    SOURCE,
                    f"/apps/{app_id}/returns?org={org.ods}",
                )
            )
    return gaps


def _owing(
    session: Session,
    app: App,
    rules: PeriodRules,
    orgs: Sequence[Organisation],
    periods: list[str],
) -> list[tuple[Organisation, str]]:
    """(organisation, period) for each of ``periods`` each of ``orgs`` owed a return in."""
    spans = target_spans(session, app)
    found = []
    for org in orgs:
        targeted = [span for path, span in spans if org.path.startswith(path)]
        if not targeted:
            continue
        active = Span(org.active_from, org.closed_on)
        for period in periods:
            if owes_in_period(
                period, rules, org_type=org.type, ods=org.ods, active=active, targeted=targeted
            ):
                found.append((org, period))
    return found


def _not_done_text(title: str, periods: list[str], rules: PeriodRules) -> str:
    """ "Vaccine fridge log: not done for March 2026 (due 5 April 2026)", or several."""
    if len(periods) == 1:
        due = due_date(periods[0], rules)
        return f"{title}: not done for {period_label(periods[0])} (due {_day(due)})"
    named = ", ".join(period_label(p) for p in periods[-3:])
    more = f" and {len(periods) - 3} earlier" if len(periods) > 3 else ""
    return f"{title}: not done for {len(periods)} periods ({named}{more})"


def _day(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day is not None else "unknown"
