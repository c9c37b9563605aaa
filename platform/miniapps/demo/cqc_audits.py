"""The audits story of the CQC demo: a year of vaccine fridge logs, and the infection
control, emergency drugs and fire safety audits with their actions.

* **Fridge logs**: two fridges at each home practice with demo users, read every working
  day of the last year by the practice's staff; three excursions, each with the steps
  taken (vaccines quarantined, cause, duration and extent, logger, advice, stock,
  significant event).
* **Infection control audits** (quarterly) and **emergency drugs checks** (monthly): a
  few items failed and became actions; most were done within days, with a note. At the
  home practice two are still open, one of them overdue; the newest audit waits for the
  PCN manager's review.
* **Fire safety audits** (quarterly), with the weekly alarm tests and two drills; the
  second practice has not done its latest one yet.

Made through the real services (``create_record`` with submit, so unique keys and
follow-up actions are made as for users; approvals and closing actions as the manager),
then dated back in three bulk statements. All text is invented, with roles instead of
names: examples to adapt, not clinical advice.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from miniapps.core.periods.schedule import PeriodRules, last_periods, period_bounds
from miniapps.core.records.display import LONDON
from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_audits_data import (
    CALL_POINTS,
    DRUG_FAILURES,
    DRUG_ITEMS,
    EXCURSIONS,
    FIRE_AREAS,
    FIRE_FAILURES,
    FRIDGES,
    IPC_FAILURES,
    IPC_ITEMS,
    Excursion,
    Failure,
)
from miniapps.models import App, AuditEntry, FollowUp, Organisation, Record, User
from miniapps.services.channels.calendar import holidays
from miniapps.services.definitions import app_definition
from miniapps.services.follow_ups.actions import close_follow_up, record_follow_ups
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle

FRIDGE, IPC = "cqc_fridge_log", "cqc_ipc_audit"
DRUGS, FIRE = "cqc_emergency_drugs_audit", "cqc_fire_safety_audit"


class Story:
    """One app's records as they are made: who acts, and when each record stands for."""

    def __init__(self, session: Session, app: App, people: CqcPeople, today: date) -> None:
        self.session, self.app, self.people, self.today = session, app, people, today
        self.stamps: list[dict[str, Any]] = []
        self._access: dict[int, Access] = {}

    def access(self, user: User) -> Access:
        return self._access.setdefault(user.id, Access(user))

    def record(
        self, org: Organisation, user: User, data: dict[str, Any], period: str, day: date
    ) -> Record:
        record = lifecycle.create_record(
            self.session, self.access(user), self.app, org, data, period=period, submit=True,
            actor=user,
        )  # fmt: skip
        self.stamps.append({"rid": record.id, "moment": moment(day)})
        return record

    def nurse(self, org: Organisation) -> User:
        return (self.people.staff.get(org.ods) or [self.people.managers[org.ods]])[0]

    def periods(self, count: int) -> list[str]:
        """The latest ``count`` periods that have ended, oldest first."""
        rules = PeriodRules.from_json(app_definition(self.session, self.app).period)
        found = last_periods(self.today, rules, count + 1)
        return [p for p in found if period_bounds(p, rules.financial_year)[1] < self.today][-count:]

    def financial(self) -> bool:
        return bool(app_definition(self.session, self.app).period.get("financial_year"))

    def fail(self, org: Organisation, item: dict[str, Any], failure: Failure, day: date) -> None:
        """Mark ``item`` failed with its action; an action still open is due relative to
        today (so exactly the one meant to be overdue is)."""
        owner = self.nurse(org).email if failure.owner == "nurse" else failure.owner
        if failure.done_after is None:
            due = max(day + timedelta(days=1), self.today + timedelta(days=failure.days_given))
        else:
            due = day + timedelta(days=failure.days_given)
        item.update(failure.answers, action=failure.action, owner=owner, due=due.isoformat())

    def close(self, record: Record, org: Organisation, failures: list[Failure], day: date) -> None:
        """Close the actions of ``record`` whose failure says when it was done."""
        manager = self.people.managers[org.ods]
        by_action = {f.action: f for f in failures}
        for action in record_follow_ups(self.session, record):
            failure = by_action.get(action.title)
            if failure is not None and failure.done_after is not None:
                done = moment(day + timedelta(days=failure.done_after))
                close_follow_up(
                    self.session, self.access(manager), action, failure.note, manager, done
                )

    def approve(self, record: Record) -> None:
        """Reviewed by the PCN manager (the level above reviews a practice's returns)."""
        reviewer = self.people.pcn_manager
        lifecycle.apply_transition(
            self.session, self.access(reviewer), record, "approve", comment=None, actor=reviewer
        )

    def finish(self) -> int:
        """Date every record made (its stamps, its audit trail but closed actions, its
        actions' creation) as when it stands for; the count made."""
        if self.stamps:
            self.session.flush()
            _redate(self.session, self.stamps)
            self.session.expire_all()
        return len(self.stamps)


def load_audits(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
    """The fridge logs and audits of the home PCN's staffed practices; for each app,
    nothing when it is not published or already holds records."""
    staffed = [p for p in people.practices if p.ods in people.managers]
    created: dict[str, int] = {}
    for app_id, load in ((FRIDGE, _fridge_logs), (IPC, _ipc), (DRUGS, _drugs), (FIRE, _fire)):
        app = people.apps.get(app_id)
        if app is not None and staffed and not _has_records(session, app_id):
            story = Story(session, app, people, today)
            load(story, staffed)
            created[app_id] = story.finish()
    return created


def moment(day: date, at: time = time(9)) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def _has_records(session: Session, app_id: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Record.app_id == app_id)))


def _working_days(session: Session, first: date, last: date) -> list[date]:
    closed = holidays(session)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in closed]


def _fridge_logs(story: Story, staffed: list[Organisation]) -> None:
    days = _working_days(story.session, story.today - timedelta(days=364), story.today)
    excursions: dict[tuple[int, int, date], Excursion] = {}
    for planned in EXCURSIONS:
        wanted = story.today - timedelta(days=planned.days_ago)
        day = max((d for d in days if d <= wanted), default=days[0])
        excursions[(planned.practice, planned.fridge, day)] = planned
    for p, org in enumerate(staffed):
        staff = story.people.staff.get(org.ods) or [story.people.managers[org.ods]]
        for f, fridge in enumerate(FRIDGES):
            rng = random.Random(f"{org.ods}:{f}")
            for day in days:
                current = round(rng.uniform(3.8, 6.2), 1)
                data: dict[str, Any] = {
                    "fridge": fridge,
                    "date": day.isoformat(),
                    "time": f"08:{30 + 7 * f + rng.randint(0, 9):02d}",
                    "current": current,
                    "minimum": round(max(2.3, current - rng.uniform(0.6, 1.8)), 1),
                    "maximum": round(min(7.8, current + rng.uniform(0.5, 1.9)), 1),
                    "reset": True,
                }
                excursion = excursions.get((p, f, day))
                if excursion is not None:
                    data.update(excursion.readings, **excursion.steps)
                user = staff[day.toordinal() % len(staff)]
                data["checked_by"] = "Nurse" if user in staff[:1] else "Healthcare assistant"
                story.record(org, user, data, f"{day:%Y-%m}", day)


def _ipc(story: Story, staffed: list[Organisation]) -> None:
    periods = story.periods(4)
    for p, org in enumerate(staffed):
        for k, period in enumerate(periods):
            day = period_bounds(period, story.financial())[1] - timedelta(days=10)
            failures = _failures(IPC_FAILURES.get(k, {}), p)
            items: list[dict[str, Any]] = []
            for i, (area, standard) in enumerate(IPC_ITEMS):
                item: dict[str, Any] = {"area": area, "standard": standard, "result": "met"}
                if i in failures:
                    item["result"] = "not_met"
                    story.fail(org, item, failures[i], day)
                items.append(item)
            data = {
                "audit_date": day.isoformat(),
                "lead": "Infection control lead nurse",
                "items": items,
                "summary": "Walk-round of every clinical room with the practice checklist.",
            }
            record = story.record(org, story.nurse(org), data, period, day)
            story.close(record, org, list(failures.values()), day)
            if not (p == 0 and k == len(periods) - 1):  # the newest waits for review
                story.approve(record)


def _drugs(story: Story, staffed: list[Organisation]) -> None:
    periods = story.periods(12)
    for p, org in enumerate(staffed):
        for k, period in enumerate(periods):
            day = period_bounds(period)[1] - timedelta(days=2)
            failures = _failures(DRUG_FAILURES.get(k, {}), p)
            items: list[dict[str, Any]] = []
            for n, name in enumerate(DRUG_ITEMS):
                expiry = day + timedelta(days=90 + 37 * n % 300)
                item = {"item": name, "present": True, "expiry": expiry.isoformat()}
                item["in_date"] = True
                if name in failures:
                    story.fail(org, item, failures[name], day)
                items.append(item)
            data = {"check_date": day.isoformat(), "checked_by": "Practice nurse", "items": items}
            record = story.record(org, story.nurse(org), data, period, day)
            story.close(record, org, list(failures.values()), day)
            story.approve(record)


def _fire(story: Story, staffed: list[Organisation]) -> None:
    periods = story.periods(4)
    for p, org in enumerate(staffed):
        shown = periods[:-1] if p == 1 else periods  # the second practice is late
        for k, period in enumerate(shown):
            start, end = period_bounds(period, story.financial())
            day = end - timedelta(days=8)
            mondays = [d for d in _days(start, day) if d.weekday() == 0][:14]
            tests = [
                {"date": d.isoformat(), "call_point": CALL_POINTS[n % 5], "sounded": True}
                for n, d in enumerate(mondays)
            ]
            failures = _failures(FIRE_FAILURES.get(k, {}), p)
            checks: list[dict[str, Any]] = []
            for area in FIRE_AREAS:
                check: dict[str, Any] = {"area": area, "result": "met"}
                if area in failures:
                    check["result"] = "not_met"
                    story.fail(org, check, failures[area], day)
                checks.append(check)
            data: dict[str, Any] = {
                "audit_date": day.isoformat(),
                "checked_by": "Practice manager (fire lead)",
                "fra_date": (
                    period_bounds(periods[0], story.financial())[0] + timedelta(days=14)
                ).isoformat(),
                "alarm_tests": tests,
                "drill_held": k % 2 == 0,
                "checks": checks,
            }
            if k % 2 == 0:
                data.update(drill_date=(day - timedelta(days=20)).isoformat())
                data.update(evacuation_minutes=3.5 - k * 0.4)
            record = story.record(org, story.nurse(org), data, period, day)
            story.close(record, org, list(failures.values()), day)
            story.approve(record)


def _failures(failures: dict[Any, Failure], practice: int) -> dict[Any, Failure]:
    """The home practice (0) fails as written; the others only with what they closed."""
    if practice == 0:
        return failures
    return {key: f for key, f in failures.items() if f.done_after is not None}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _redate(session: Session, stamps: list[dict[str, Any]]) -> None:
    """Move each record's stamps, its audit entries (but the closing of actions, dated
    when done) and its actions' creation to ``moment`` (executemany, three statements)."""
    records = cast(Table, Record.__table__)
    entries = cast(Table, AuditEntry.__table__)
    actions = cast(Table, FollowUp.__table__)
    when: BindParameter[datetime] = bindparam("moment")
    session.execute(
        update(records)
        .where(records.c.id == bindparam("rid"))
        .values(created_at=when, updated_at=when, submitted_at=when),
        stamps,
    )
    session.execute(
        update(entries)
        .where(entries.c.record_id == bindparam("rid"), entries.c.action != "action_done")
        .values(at=when),
        stamps,
    )
    session.execute(
        update(actions).where(actions.c.record_id == bindparam("rid")).values(created_at=when),
        stamps,
    )
