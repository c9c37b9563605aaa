"""Reminders and overdue emails for record deadlines (the scheduler's ``record_deadlines``).

For every record of an app version declaring ``deadlines`` that is not superseded and
not in a final state, each deadline still being chased is looked at once per run:

- **reminder**: a deadline with ``remind_days_before`` that is open and due within that
  many days (today on or after ``due - remind_days_before``) emails its ``notify`` roles
  (default: the practice managers) once;
- **overdue**: a deadline past its due date, not met, and not ended by an ``until``
  state, emails them once more. A deadline already overdue when first seen gets only
  this email, not a late reminder too.

**Exactly once.** Each email carries the outbox key
``record-deadline:<record>:<deadline>:<reminder|overdue>`` (per recipient); keys already
used are read once per run so a second run renders nothing. Emails name the app, the
organisation and the deadline's title and link to the record, never its data. Recipients
pass the permission filter. Flush only; the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.records.deadlines import DeadlineStatus, long_date
from miniapps.models import App, HeldNotification, OutboxMessage, Record
from miniapps.services.notifications.events import (
    queue_notification,
    recipients_for,
    record_context,
)
from miniapps.services.records.deadlines import deadlines_for, open_records, versions_with_deadlines

KEY_PREFIX = "record-deadline:"
REMINDER, OVERDUE = "reminder", "overdue"


@dataclass
class DeadlineReport:
    reminders: int = 0  # deadlines reminded of now
    overdue: int = 0  # deadlines reported overdue now
    emails: int = 0  # queued (or held for a digest) for both


def chase_deadlines(session: Session, now: datetime, base_url: str) -> DeadlineReport:
    """Queue every deadline reminder and overdue email due at ``now`` (idempotent)."""
    report = DeadlineReport()
    sent = _keys_used(session)
    retired = set(session.scalars(select(App.id).where(App.status == "retired")))
    for app_id, versions in versions_with_deadlines(session).items():
        if app_id in retired:  # a retired app's deadlines are chased no more
            continue
        live = list(open_records(session, app_id, versions, None, live_only=True))
        for found in deadlines_for(session, live, now):
            for status in found.statuses:
                kind = _email_due(status)
                if kind is None:
                    continue
                key = f"{KEY_PREFIX}{found.record.id}:{status.deadline.id}:{kind}"
                if key in sent:
                    continue
                sent.add(key)
                queued = _tell(session, found.record, status, kind, key, base_url)
                report.emails += queued
                if kind == REMINDER:
                    report.reminders += 1
                else:
                    report.overdue += 1
    return report


def _email_due(status: DeadlineStatus) -> str | None:
    """Which email ``status`` calls for now, if any."""
    if status.standing == "overdue":
        return OVERDUE
    before = status.deadline.remind_days_before
    if status.standing in ("open", "due_soon") and before is not None and status.days <= before:
        return REMINDER
    return None


def _keys_used(session: Session) -> set[str]:
    """``record-deadline:<record>:<deadline>:<kind>`` of every email already queued or held."""
    used: set[str] = set()
    for model in (OutboxMessage, HeldNotification):
        keys = session.scalars(
            select(model.dedupe_key).where(model.dedupe_key.startswith(KEY_PREFIX))
        )
        used.update(key.rpartition(":user:")[0] for key in keys if key)
    return used


def _tell(
    session: Session, record: Record, status: DeadlineStatus, kind: str, key: str, base_url: str
) -> int:
    assert status.due is not None  # only deadlines with a due date are chased
    context = {
        **record_context(session, record, base_url=base_url),
        "kind": kind,
        "deadline_title": status.deadline.title,
        "due": long_date(status.due),
        "days": status.days,
    }
    people = recipients_for(session, record, list(status.deadline.notify))
    queued = queue_notification(
        session,
        "record_deadline",
        recipients=people,
        context=context,
        record=record,
        dedupe_key=key,
        urgent=kind == OVERDUE,
    )
    return len(queued)
