"""Documents as compliance evidence: the ``documents`` source of
:data:`~miniapps.services.compliance.sources.SOURCES`.

For a practice, each current version it adopted (in the window asked) is evidence for
the statements its library's ``evidence`` member names (or its ``statements_field``
holds: the document's own statements field), in that entry's category (``processes``
by default). Gaps: a document not adopted, a new version not adopted by its date, a
review overdue, read-and-sign coverage below ``sign_target``. The pack's ``policies``
table lists each document with its versions, adoption, review date and signatures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.pointers import value_at
from miniapps.models import App, Organisation, Record
from miniapps.services.compliance.source_types import EvidenceItem, Gap, PackTable
from miniapps.services.definitions import app_definition
from miniapps.services.documents.notices import day_text
from miniapps.services.documents.scope import library_apps, library_settings, local_today
from miniapps.services.documents.state import DocumentState, LibraryState, load_state
from miniapps.services.permissions import targeted_clause

SOURCE = "documents"
DEFAULT_CATEGORY = "processes"
POLICY_COLUMNS = [
    "Library",
    "Document",
    "Category",
    "Owner",
    "Current version",
    "Published",
    "Review due",
    "Review",
    "Versions",
    "Adoption",
    "Adopted version",
    "Adopted on",
    "Reason for local changes",
    "Signed",
    "Must sign",
    "Read and signed (%)",
]


class DocumentEvidence:
    """Evidence and gaps from the document libraries (adoption and read-and-sign)."""

    def evidence(
        self,
        session: Session,
        orgs: Sequence[Organisation],
        framework: str,
        since: datetime,
        now: datetime,
    ) -> Iterator[EvidenceItem]:
        for state, mappings in _states(session, orgs, framework, now):
            for practice in state.practices:
                for document in state.documents:
                    status = _status(state, document, practice)
                    if status is None or not status.adopted or status.adoption is None:
                        continue
                    adopted = status.adoption.adopted_at
                    if not since <= _aware(adopted) <= now:
                        continue
                    how = " with local changes" if status.kind == "adopted_local" else ""
                    number = document.current.number if document.current else ""
                    title = f"{document.facts.title}: version {number} adopted{how}"
                    for statements, category in _mapped(mappings, document):
                        yield EvidenceItem(
                            org_id=practice.id,
                            framework=framework,
                            statements=statements,
                            category=category,
                            title=title,
                            at=_aware(adopted),
                            source=SOURCE,
                            owner=document.facts.owner,
                            link=f"/apps/{state.app.id}/library/{document.record.id}"
                            f"?org={practice.ods}",
                            app_id=state.app.id,
                            record_id=document.record.id,
                        )

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterator[Gap]:
        for state, mappings in _states(session, orgs, framework, now):
            target = state.settings.sign_target
            for practice in state.practices:
                for document in state.documents:
                    status = _status(state, document, practice)
                    if status is None:
                        continue
                    link = f"/apps/{state.app.id}/library/{document.record.id}?org={practice.ods}"
                    for kind, text in _gap_texts(state, document, practice, target):
                        for statements, _category in _mapped(mappings, document):
                            yield Gap(practice.id, framework, statements, kind, text, SOURCE, link)

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> list[PackTable]:
        rows: list[list[Any]] = []
        for state in _library_states(session, [org], now):
            for practice in state.practices:
                for document in state.documents:
                    if state.applies(document, practice):
                        rows.append(_policy_row(state, document, practice))
        if not rows:
            return []
        title = "Policies: versions, adoption and read-and-sign"
        return [PackTable("policies", title, POLICY_COLUMNS, rows)]


def _status(state: LibraryState, document: DocumentState, practice: Organisation) -> Any:
    return state.status(document, practice) if state.applies(document, practice) else None


def _gap_texts(
    state: LibraryState, document: DocumentState, practice: Organisation, target: float
) -> list[tuple[str, str]]:
    title, current = document.facts.title, document.current
    status = state.status(document, practice)
    found: list[tuple[str, str]] = []
    if status.kind == "not_adopted":
        found.append(("policy_not_adopted", f"{title}: not adopted by {practice.name}"))
    elif status.kind == "readopt_overdue" and current is not None:
        text = f"{title}: version {current.number} not adopted by {day_text(status.due)}"
        found.append(("policy_not_readopted", text))
    if document.review_overdue(state.today) and current is not None:
        text = f"{title}: review overdue since {day_text(current.review_due)}"
        found.append(("review_overdue", text))
    coverage = state.coverage(document, practice)
    if status.adopted and coverage is not None and coverage.below(target):
        text = (
            f"{title}: read and signed by {coverage.signed} of {coverage.required} people "
            f"({coverage.percent} %), below {target:g} %"
        )
        found.append(("signatures_below_target", text))
    return found


def _policy_row(state: LibraryState, document: DocumentState, practice: Organisation) -> list[Any]:
    current, facts = document.current, document.facts
    status = state.status(document, practice)
    adoption = status.adoption
    coverage = state.coverage(document, practice)
    adopted_number = next(
        (v.number for v in document.versions if adoption and v.id == adoption.version_id), None
    )
    review = "overdue" if document.review_overdue(state.today) else "in date"
    return [
        state.app.title,
        facts.title,
        facts.category or "",
        facts.owner or "",
        current.number if current else None,
        current.published_at if current else None,
        current.review_due if current else None,
        review,
        ", ".join(f"{v.number} ({v.status})" for v in reversed(document.versions)),
        status.title if status.kind != "adopted" else "Adopted as it is",
        adopted_number,
        adoption.adopted_at if adoption else None,
        adoption.reason if adoption and adoption.mode == "local" else "",
        coverage.signed if coverage else None,
        coverage.required if coverage else None,
        coverage.percent if coverage else None,
    ]


def _mapped(
    mappings: list[dict[str, Any]], document: DocumentState
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(statements, category) for each of the library's evidence entries."""
    data = document.record.data or {}
    for mapping in mappings:
        held = mapping.get("statements") or value_at(data, mapping.get("statements_field", ""))
        held = [held] if isinstance(held, str) else held
        statements = tuple(dict.fromkeys(s for s in held or [] if isinstance(s, str) and s))
        category = mapping.get("category") or value_at(data, mapping.get("category_field", ""))
        if statements:
            yield statements, category if isinstance(category, str) else DEFAULT_CATEGORY


def _states(
    session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
) -> Iterator[tuple[LibraryState, list[dict[str, Any]]]]:
    """Each library mapped to ``framework``, for the practices among ``orgs``."""
    for state in _library_states(session, orgs, now):
        definition = app_definition(session, state.app)
        mappings = [m for m in definition.evidence if m.get("framework") == framework]
        if mappings:
            yield state, mappings


def _library_states(
    session: Session, orgs: Sequence[Organisation], now: datetime
) -> Iterator[LibraryState]:
    practices = [o for o in orgs if o.type == "practice"]
    if not practices:
        return
    for app in library_apps(session):
        settings = library_settings(session, app)
        targeted = _targeted(session, app, practices)
        if settings is None or not targeted:
            continue
        records = _documents_above(session, app, targeted)
        yield load_state(session, app, settings, records, targeted, local_today(now))


def _targeted(session: Session, app: App, practices: list[Organisation]) -> list[Organisation]:
    query = select(Organisation.id).where(
        Organisation.id.in_([p.id for p in practices]), targeted_clause(app.id)
    )
    found = set(session.scalars(query))
    return [p for p in practices if p.id in found]


def _documents_above(session: Session, app: App, practices: list[Organisation]) -> list[Record]:
    """The listed documents of ``app`` kept at or above any of ``practices``."""
    query = select(Record).where(Record.app_id == app.id, Record.status != "draft")
    return [
        record
        for record in session.scalars(query.order_by(Record.id))
        if any(p.path.startswith(record.organisation.path) for p in practices)
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
