"""The scheduler's reminders about documents (the ``document_reminders`` job), each sent
once thanks to the outbox ``dedupe_key``:

- a review due in 60, 30 and 7 days (``remind_days``), to the keeper's managers: once for
  each, and only the nearest one crossed (a job that was down for a month sends the
  30-day reminder, not the 60-day one too);
- a review overdue, to the same people, once a week until a new version is published;
- a new version not adopted by its date, to the practice's managers, once a week;
- documents waiting to be read and signed, to each person, once a week (one email for
  all of a library's outstanding documents at their practice).

Flush only: the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation, Record
from miniapps.services.documents.notices import (
    day_text,
    keeper_managers,
    library_url,
    notify,
    practice_managers,
)
from miniapps.services.documents.scope import (
    library_apps,
    library_settings,
    local_today,
    practices_under,
)
from miniapps.services.documents.state import DocumentState, LibraryState, load_state


@dataclass
class DocumentReminderReport:
    review_due: int = 0  # emails queued
    review_overdue: int = 0
    readopt_overdue: int = 0
    sign: int = 0


def queue_document_reminders(
    session: Session, now: datetime, *, base_url: str
) -> DocumentReminderReport:
    """Queue every document reminder due at ``now``; idempotent."""
    report = DocumentReminderReport()
    for app in library_apps(session):
        state = library_state_for_reminders(session, app, now)
        if state is None:
            continue
        for document in state.documents:
            _review(session, state, document, base_url, report)
        for practice in state.practices:
            _readoption(session, state, practice, base_url, report)
            _signatures(session, state, practice, base_url, report)
    return report


def library_state_for_reminders(session: Session, app: App, now: datetime) -> LibraryState | None:
    """Every listed document of ``app`` and every practice it applies to."""
    settings = library_settings(session, app)
    if settings is None:
        return None
    query = select(Record).where(Record.app_id == app.id, Record.status != "draft")
    records = list(session.scalars(query.order_by(Record.id)))
    practices: dict[int, Organisation] = {}
    for keeper in {r.organisation_id: r.organisation for r in records}.values():
        practices.update((p.id, p) for p in practices_under(session, app, keeper))
    return load_state(session, app, settings, records, list(practices.values()), local_today(now))


def _review(
    session: Session,
    state: LibraryState,
    document: DocumentState,
    base_url: str,
    report: DocumentReminderReport,
) -> None:
    current = document.current
    if current is None or current.review_due is None:
        return
    keeper = document.record.organisation
    days_left = (current.review_due - state.today).days
    context = {
        "document_ref": f"document {document.record.id}",
        "due": day_text(current.review_due),
        "days": days_left,
        "url": library_url(base_url, state.app, f"/{document.record.id}", org=keeper.ods),
    }
    recipients = keeper_managers(session, state.app, keeper)
    if days_left < 0:
        week = (-days_left - 1) // 7
        key = f"document-review-overdue:{current.id}:week:{week}"
        report.review_overdue += notify(
            session, "document_review_overdue", state.app, keeper, recipients, context, key
        )
        return
    crossed = [days for days in state.settings.remind_days if days_left <= days]
    if crossed:
        key = f"document-review:{current.id}:days:{min(crossed)}"
        report.review_due += notify(
            session, "document_review_due", state.app, keeper, recipients, context, key
        )


def _readoption(
    session: Session,
    state: LibraryState,
    practice: Organisation,
    base_url: str,
    report: DocumentReminderReport,
) -> None:
    for document in state.documents:
        status = state.status(document, practice) if state.applies(document, practice) else None
        current = document.current
        if status is None or status.kind != "readopt_overdue" or current is None:
            continue
        assert status.due is not None
        week = ((state.today - status.due).days - 1) // 7
        context = {
            "document_ref": f"document {document.record.id}",
            "number": current.number,
            "due": day_text(status.due),
            "url": library_url(base_url, state.app, f"/{document.record.id}", org=practice.ods),
        }
        key = f"document-readopt:{current.id}:org:{practice.id}:week:{week}"
        recipients = practice_managers(session, practice)
        report.readopt_overdue += notify(
            session, "document_readopt_overdue", state.app, practice, recipients, context, key
        )


def _signatures(
    session: Session,
    state: LibraryState,
    practice: Organisation,
    base_url: str,
    report: DocumentReminderReport,
) -> None:
    year, week, _ = state.today.isocalendar()
    url = library_url(base_url, state.app, org=practice.ods)
    for user, _roles in state.people.get(practice.id, []):
        count = len(state.outstanding(user, practice))
        if not count:
            continue
        key = f"document-sign:{state.app.id}:org:{practice.id}:{year}-W{week:02d}"
        report.sign += notify(
            session,
            "document_sign_reminder",
            state.app,
            practice,
            [user],
            {"count": count, "url": url},
            key,
        )
