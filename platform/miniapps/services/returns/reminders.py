"""Return reminders: what the hourly ``return_reminders`` job queues.

The job itself (its transaction and retries) is :mod:`miniapps.scheduler.reminders`; the
rules (before and after the due date, overdue escalation, once only, the latest-reminder
rule, which periods) are written down in ``docs/app-definitions.md``, "Reminder rules".
Every email has an outbox ``dedupe_key`` (``reminder:<app>:<ods>:<period>:before:<N>``,
``...:after:<N>``, ``overdue:<app>:<ods>:<period>``, per recipient), so a second run or a
second scheduler queues nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from miniapps.core.periods.keys import period_label
from miniapps.core.periods.schedule import PeriodRules, due_date, last_periods, overdue_from
from miniapps.models import App, Membership, Organisation, User
from miniapps.services.definitions import app_definition
from miniapps.services.notifications.events import SUBMITTER, event_context, queue_notification
from miniapps.services.permissions import READ, Access
from miniapps.services.returns.owing import owing_by_period
from miniapps.services.returns.tracking import return_statuses, rules_of

DEFAULT_REMINDERS: tuple[dict[str, Any], ...] = (
    {"before_due_days": 5, "to": ["practice_manager", "practice_staff"]},
    {"before_due_days": 1, "to": ["practice_manager", "practice_staff"]},
)
ESCALATE_TO = ("pcn_manager",)
PENDING = frozenset({"not_started", "draft", "overdue"})
CATCH_UP = timedelta(days=14)
LOOKBACK = 6  # periods considered at most, the current one included


@dataclass
class ReminderReport:
    reminders: int = 0  # emails queued
    escalations: int = 0

    @property
    def queued(self) -> int:
        return self.reminders + self.escalations


@dataclass(frozen=True)
class Rule:
    kind: str  # "before" or "after"
    days: int
    to: tuple[str, ...]
    template: str | None = None  # the definition's message text (sandboxed Jinja)

    def moment(self, due: date) -> date:
        sign = -1 if self.kind == "before" else 1
        return due + timedelta(days=sign * self.days)


def queue_reminders(session: Session, now: datetime, *, base_url: str) -> ReminderReport:
    """Queue (flush only) the reminders and escalations due at ``now``; idempotent."""
    report = ReminderReport()
    today = now.date()
    apps = session.scalars(select(App).where(App.status == "published").order_by(App.id))
    for app in apps:
        if not app.versions:
            continue
        rules = rules_of(session, app)
        if not rules.is_periodic:
            continue
        _queue_for_app(session, app, rules, today, base_url, report)
    return report


def rules_for(raw: Sequence[dict[str, Any]] | None) -> list[Rule]:
    """A definition's ``reminders`` as rules; the defaults when it declares none."""
    found = []
    for entry in raw or DEFAULT_REMINDERS:
        kind = "before" if "before_due_days" in entry else "after"
        days = int(entry.get(f"{kind}_due_days", 0))
        to = tuple(role for role in entry.get("to") or () if role != SUBMITTER)
        found.append(Rule(kind, days, to, entry.get("template")))
    return found


def applicable(rules: Iterable[Rule], due: date, today: date) -> list[Rule]:
    """The rules whose emails are due ``today`` (see the latest-reminder rule above)."""
    chosen: list[Rule] = []
    latest_before: dict[tuple[str, ...], Rule] = {}
    for rule in rules:
        if today < rule.moment(due):
            continue
        if rule.kind == "after":
            chosen.append(rule)
            continue
        key = tuple(sorted(rule.to))
        if key not in latest_before or rule.days < latest_before[key].days:
            latest_before[key] = rule
    return list(latest_before.values()) + chosen


def _periods(rules: PeriodRules, reminder_rules: list[Rule], today: date) -> list[str]:
    after = max((r.days for r in reminder_rules if r.kind == "after"), default=0)
    found = []
    for period in last_periods(today, rules, LOOKBACK):
        due = due_date(period, rules)
        last_moment = max(overdue_from(period, rules), due + timedelta(days=after))
        if today - last_moment <= CATCH_UP:
            found.append(period)
    return found


def _queue_for_app(
    session: Session,
    app: App,
    rules: PeriodRules,
    today: date,
    base_url: str,
    report: ReminderReport,
) -> None:
    definition = app_definition(session, app)
    reminder_rules = rules_for(definition.reminders)
    on_overdue = [
        (index, entry)
        for index, entry in enumerate(definition.raw.get("notifications") or [])
        if entry.get("on") == "overdue"
    ]
    periods = _periods(rules, reminder_rules, today)
    # Only organisations that owe that very period (active and targeted at its end).
    owed = owing_by_period(session, app, periods) if periods else {}
    orgs = list({org.id: org for owing in owed.values() for org in owing}.values())
    if not periods or not orgs:
        return
    cells = return_statuses(session, app, orgs, periods, today)
    for org in orgs:
        for period in periods:
            if org not in owed.get(period, ()):
                continue
            cell = cells[(org.id, period)]
            if cell.locked or cell.status not in PENDING:
                continue
            due = due_date(period, rules)
            context = _context(app, org, period, due, today, base_url)
            stem = f"{app.id}:{org.ods}:{period}"
            for rule in applicable(reminder_rules, due, today):
                template = "return_reminder" if rule.kind == "before" else "return_overdue"
                queued = queue_notification(
                    session,
                    template,
                    recipients=recipients(session, app, org, rule.to),
                    context=context,
                    dedupe_key=f"reminder:{stem}:{rule.kind}:{rule.days}",
                    message_templates=[(rule.template, "reminder")] if rule.template else (),
                    app_id=app.id,
                    organisation=org,
                )
                report.reminders += len(queued)
            if today < overdue_from(period, rules):
                continue
            grid = f"{base_url.rstrip('/')}/apps/{app.id}/returns?org={org.ods}"
            queued = queue_notification(
                session,
                "return_overdue",
                recipients=recipients(session, app, org, ESCALATE_TO, above_only=True),
                context={**context, "url": grid},
                dedupe_key=f"overdue:{stem}",
                app_id=app.id,
                organisation=org,
            )
            report.escalations += len(queued)
            # The definition's ``notifications`` on "overdue": urgent, like escalations.
            for index, entry in on_overdue:
                template = entry.get("template")
                queued = queue_notification(
                    session,
                    "record_event",
                    recipients=recipients(session, app, org, entry["to"]),
                    context={**event_context("overdue"), **context},
                    dedupe_key=f"notify:{stem}:overdue:{index}",
                    urgent=True,
                    message_templates=[(template, "overdue")] if template else (),
                    app_id=app.id,
                    organisation=org,
                )
                report.escalations += len(queued)


def recipients(
    session: Session,
    app: App,
    org: Organisation,
    roles: Sequence[str],
    *,
    above_only: bool = False,
) -> list[User]:
    """Active holders of ``roles`` at ``org`` or above it (strictly above with
    ``above_only``) who may read ``org``'s records of ``app``."""
    if not roles:
        return []
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.role.in_(list(roles)),
            User.active,
            literal(org.path).startswith(Organisation.path),
        )
        .order_by(User.id)
    )
    if above_only:
        query = query.where(Organisation.id != org.id)
    found = {user.id: user for user in session.scalars(query)}
    return [user for user in found.values() if Access(user).can(READ, org, app)]


def _context(
    app: App, org: Organisation, period: str, due: date, today: date, base_url: str
) -> dict[str, Any]:
    """Identification and a link only."""
    return {
        "app_title": app.title,
        "org_name": org.name,
        "org_ods": org.ods,
        "period": period_label(period),
        "due": f"{due.day} {due:%B %Y}",
        "past_due": today > due,
        "url": f"{base_url.rstrip('/')}/apps/{app.id}/new?period={period}&org={org.ods}",
    }
