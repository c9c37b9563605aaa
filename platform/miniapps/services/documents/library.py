"""The keeper's side: draft a version, approve it (someone other than its author) and
publish it with its review date. Publishing supersedes the previous version, gives the
practices that adopted an earlier one a date to adopt this one by, and tells their
managers by email. Versions are never edited: a new draft supersedes an unpublished one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.documents.settings import add_months, review_date_problem
from miniapps.core.errors import Issue
from miniapps.models import App, DocumentVersion, Record, User
from miniapps.services.documents.errors import DocumentConflict, DocumentInvalid, DocumentNotFound
from miniapps.services.documents.notices import tell_practices_of_new_version
from miniapps.services.documents.scope import (
    document_facts,
    local_today,
    may_approve,
    may_keep,
    require_library,
)
from miniapps.services.permissions import Access, Forbidden

MAX_BODY = 200_000
MAX_SUMMARY = 2_000


def versions_of(session: Session, record: Record) -> list[DocumentVersion]:
    """Every version of the document, newest first."""
    query = select(DocumentVersion).where(DocumentVersion.record_id == record.id)
    return list(session.scalars(query.order_by(DocumentVersion.number.desc())))


def get_version(session: Session, record: Record, number: int) -> DocumentVersion:
    version = session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.record_id == record.id, DocumentVersion.number == number
        )
    )
    if version is None:
        raise DocumentNotFound(f"Document {record.id} has no version {number}.")
    return version


def require_keeper(access: Access, app: App, record: Record, *, approve: bool = False) -> None:
    """403 unless the user keeps the document (callers found it visible first, so a
    practice reading it is told it is not theirs to change)."""
    allowed = may_approve(access, app, record) if approve else may_keep(access, app, record)
    if not allowed:
        raise Forbidden(
            f"Only the keepers of this document at {record.organisation.name} change its "
            "versions; a practice adopts the central version, as it is or with local changes."
        )


def add_version(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    actor: User | None,
    *,
    body: str | None,
    change_summary: str,
    review_due: date | str | None = None,
    attachment_id: str | None = None,
    now: datetime,
) -> DocumentVersion:
    """A new draft, numbered after the last version. A draft or approved version not yet
    published is superseded by it (kept, never overwritten)."""
    require_library(session, app)
    require_keeper(access, app, record)
    body = (body or "").strip() or None
    summary = (change_summary or "").strip()
    issues = []
    if body is None and attachment_id is None:
        issues.append(
            Issue("/body", "Enter the text of the document, or attach a file", "required")
        )
    elif body is not None and len(body) > MAX_BODY:
        issues.append(
            Issue("/body", f"The text must be {MAX_BODY:,} characters or fewer", "too_long")
        )
    if not summary:
        issues.append(Issue("/change_summary", "Say what changed in this version", "required"))
    elif len(summary) > MAX_SUMMARY:
        message = f"The summary of changes must be {MAX_SUMMARY:,} characters or fewer"
        issues.append(Issue("/change_summary", message, "too_long"))
    due = _review_date(review_due, now, issues)
    if issues:
        raise DocumentInvalid(issues)
    for earlier in versions_of(session, record):
        if earlier.status in ("draft", "approved"):
            earlier.status, earlier.superseded_at = "superseded", now
    number = (
        session.scalar(
            select(func.max(DocumentVersion.number)).where(DocumentVersion.record_id == record.id)
        )
        or 0
    ) + 1
    facts = document_facts(session, record, require_library(session, app))
    version = DocumentVersion(
        record_id=record.id,
        number=number,
        title=facts.title[:255],
        body=body,
        attachment_id=attachment_id,
        change_summary=summary,
        status="draft",
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        review_due=due,
    )
    session.add(version)
    session.flush()
    return version


def approve_version(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    number: int,
    actor: User | None,
    *,
    now: datetime,
) -> DocumentVersion:
    """Approve a draft: by a keeper who may approve and did not write it."""
    require_library(session, app)
    require_keeper(access, app, record, approve=True)
    version = get_version(session, record, number)
    if actor is not None and version.created_by_id == actor.id:
        raise Forbidden(
            f"You wrote version {number}, so someone else approves it (separation of duties)."
        )
    if version.status != "draft":
        raise DocumentConflict(
            f"Version {number} is {version.status}, not a draft: only a draft is approved.",
            "not_a_draft",
        )
    version.status = "approved"
    version.approved_by_id = actor.id if actor is not None else None
    version.approved_at = now
    session.flush()
    return version


def publish_version(
    session: Session,
    access: Access,
    app: App,
    record: Record,
    number: int,
    actor: User | None,
    *,
    now: datetime,
    review_due: date | str | None = None,
    base_url: str | None = None,
) -> DocumentVersion:
    """Publish an approved version. Its review date: ``review_due`` if given, else the
    draft's proposed one, else the publish date + the document's review months; a date
    in the past (or more than 3 years ahead) is refused at ``/review_due``. Adopting
    practices are emailed when a base URL for links is given (the demo passes none)."""
    settings = require_library(session, app)
    require_keeper(access, app, record)
    version = get_version(session, record, number)
    if version.status != "approved":
        raise DocumentConflict(
            f"Version {number} is {version.status}: only an approved version is published.",
            "not_approved",
        )
    issues: list[Issue] = []
    today = local_today(now)
    due = _review_date(review_due, now, issues) or version.review_due
    if due is None:
        due = add_months(today, document_facts(session, record, settings).review_months)
    problem = review_date_problem(due, today)
    if problem:
        issues.append(Issue("/review_due", problem, "review_date"))
    if issues:
        raise DocumentInvalid(issues)
    previous = [v for v in versions_of(session, record) if v.status == "published"]
    for old in previous:
        old.status, old.superseded_at = "superseded", now
    version.status = "published"
    version.published_by_id = actor.id if actor is not None else None
    version.published_at = now
    version.review_due = due
    version.readopt_due = today + timedelta(days=settings.readopt_days) if previous else None
    session.flush()
    if previous and base_url is not None:
        tell_practices_of_new_version(session, app, record, version, base_url=base_url)
    return version


def _review_date(value: date | str | None, now: datetime, issues: list[Issue]) -> date | None:
    """A review date given as a date or ``YYYY-MM-DD`` text; problems go to ``issues``."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            issues.append(Issue("/review_due", "Enter the review date as a real date", "date"))
            return None
    if not isinstance(value, date):
        issues.append(Issue("/review_due", "Enter the review date as a real date", "date"))
        return None
    problem = review_date_problem(value, local_today(now))
    if problem:
        issues.append(Issue("/review_due", problem, "review_date"))
        return None
    return value
