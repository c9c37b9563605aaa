"""What a library looks like at a moment, for a set of documents and practices: each
document's versions, each practice's adoption, who must sign and who signed.

Loaded in a handful of statements, one per table whatever the number of documents and
practices (:func:`load_state`; the people on first use), then asked in memory, so the
keeper's list, the practice's list, the coverage pages, the API and the compliance view
all count the same way. Coverage counts, for a practice that adopted a document, the
people who must sign it there and those of them who signed its *current* version: a new
central version starts again from nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, partial

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from miniapps.core.documents.settings import DocumentFacts, LibrarySettings
from miniapps.models import (
    App,
    DocumentAdoption,
    DocumentSignature,
    DocumentVersion,
    Membership,
    Organisation,
    Record,
    User,
)
from miniapps.services.documents.scope import documents_facts

ADOPTION_TITLES = {
    "not_adopted": "Not adopted",
    "adopted": "Adopted",
    "adopted_local": "Adopted with local changes",
    "readopt": "New version to adopt",
    "readopt_overdue": "New version not adopted in time",
}
ADOPTED = ("adopted", "adopted_local")
People = dict[int, list[tuple[User, frozenset[str]]]]  # practice id: people, roles there


@dataclass(frozen=True)
class Coverage:
    """How many of the people who must sign have signed."""

    signed: int = 0
    required: int = 0

    @property
    def percent(self) -> int | None:
        """Whole per cent, rounded down (99.6 % is not "100 %"); None when nobody must sign."""
        return None if self.required == 0 else self.signed * 100 // self.required

    def below(self, target: float) -> bool:
        return self.required > 0 and self.signed * 100 < target * self.required

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.signed + other.signed, self.required + other.required)


@dataclass(frozen=True)
class AdoptionStatus:
    kind: str  # a key of ADOPTION_TITLES
    adoption: DocumentAdoption | None = None  # the practice's live adoption, if any
    due: date | None = None  # the date to adopt the current version by

    @property
    def title(self) -> str:
        return ADOPTION_TITLES[self.kind]

    @property
    def adopted(self) -> bool:
        return self.kind in ADOPTED


@dataclass
class DocumentState:
    record: Record
    facts: DocumentFacts
    versions: list[DocumentVersion] = field(default_factory=list)  # newest first

    @property
    def current(self) -> DocumentVersion | None:
        """The published version (at most one is)."""
        return next((v for v in self.versions if v.status == "published"), None)

    @property
    def pending(self) -> DocumentVersion | None:
        """The newest version still on its way (draft or approved)."""
        return next((v for v in self.versions if v.status in ("draft", "approved")), None)

    def review_overdue(self, today: date) -> bool:
        current = self.current
        return current is not None and current.review_due is not None and current.review_due < today

    def review_due_within(self, today: date, days: int) -> bool:
        current = self.current
        due = current.review_due if current is not None else None
        return due is not None and today <= due <= today + timedelta(days=days)


@dataclass
class LibraryState:
    app: App
    settings: LibrarySettings
    today: date
    documents: list[DocumentState]
    practices: list[Organisation]
    adoptions: dict[tuple[int, int], DocumentAdoption]  # (practice id, record id): live
    signatures: dict[tuple[int, int], DocumentSignature]  # (user id, version id)
    read_people: Callable[[], People] = field(repr=False, default=dict)
    _signers: dict[tuple[int, tuple[str, ...]], list[User]] = field(
        default_factory=dict, init=False, repr=False
    )

    @cached_property
    def people(self) -> People:
        """Practice id: its people who may sign, with their roles there. Read on first use:
        the compliance view needs them only where a practice adopted a document."""
        return self.read_people()

    def applies(self, document: DocumentState, practice: Organisation) -> bool:
        """Published, not a draft record, kept at or above the practice."""
        return (
            document.current is not None
            and document.record.status != "draft"
            and practice.path.startswith(document.record.organisation.path)
        )

    def status(self, document: DocumentState, practice: Organisation) -> AdoptionStatus:
        adoption = self.adoptions.get((practice.id, document.record.id))
        current = document.current
        if adoption is None or current is None:
            return AdoptionStatus("not_adopted")
        if adoption.version_id == current.id:
            return AdoptionStatus(
                "adopted_local" if adoption.mode == "local" else "adopted", adoption
            )
        due = current.readopt_due
        late = due is not None and due < self.today
        return AdoptionStatus("readopt_overdue" if late else "readopt", adoption, due)

    def signers(self, document: DocumentState, practice: Organisation) -> list[User]:
        """The people who must sign the document at the practice."""
        key = (practice.id, document.facts.sign_roles)
        if key not in self._signers:  # documents share their sign roles: pick people once
            roles = set(document.facts.sign_roles)
            people = self.people.get(practice.id, [])
            self._signers[key] = [user for user, held in people if held & roles]
        return self._signers[key]

    def to_sign(self, document: DocumentState, practice: Organisation) -> DocumentVersion | None:
        """The version the practice's people sign: the current one, once adopted."""
        return document.current if self.status(document, practice).adopted else None

    def signature(self, user: User, version: DocumentVersion | None) -> DocumentSignature | None:
        return self.signatures.get((user.id, version.id)) if version is not None else None

    def coverage(self, document: DocumentState, practice: Organisation) -> Coverage | None:
        """None where the practice never adopted the document; else its people's
        signatures of the current version (none yet while a new one awaits adoption)."""
        if not self.applies(document, practice):
            return None
        if self.status(document, practice).kind == "not_adopted":
            return None
        signers = self.signers(document, practice)
        version = self.to_sign(document, practice)
        signed = sum(1 for user in signers if self.signature(user, version) is not None)
        return Coverage(signed, len(signers))

    def document_coverage(self, document: DocumentState) -> Coverage:
        total = Coverage()
        for practice in self.practices:
            total += self.coverage(document, practice) or Coverage()
        return total

    def practice_coverage(self, practice: Organisation) -> Coverage:
        total = Coverage()
        for document in self.documents:
            total += self.coverage(document, practice) or Coverage()
        return total

    def adoption_count(self, document: DocumentState) -> tuple[int, int]:
        """(practices that adopted the current version, practices it applies to)."""
        applicable = [p for p in self.practices if self.applies(document, p)]
        adopted = sum(1 for p in applicable if self.status(document, p).adopted)
        return adopted, len(applicable)

    def outstanding(self, user: User, practice: Organisation) -> list[DocumentState]:
        """Documents the user must still sign at the practice."""
        found = []
        for document in self.documents:
            version = self.to_sign(document, practice) if self.applies(document, practice) else None
            if version is None or user not in self.signers(document, practice):
                continue
            if self.signature(user, version) is None:
                found.append(document)
        return found

    def document(self, record_id: int) -> DocumentState | None:
        return next((d for d in self.documents if d.record.id == record_id), None)


def load_state(
    session: Session,
    app: App,
    settings: LibrarySettings,
    records: Sequence[Record],
    practices: Sequence[Organisation],
    today: date,
) -> LibraryState:
    """The state of ``records`` (documents of ``app``) for ``practices``."""
    record_ids = [r.id for r in records]
    practice_ids = [p.id for p in practices]
    facts = documents_facts(session, records, settings)
    documents = [DocumentState(r, facts[r.id]) for r in records]
    by_record = {d.record.id: d for d in documents}
    if record_ids:
        query = select(DocumentVersion).where(DocumentVersion.record_id.in_(record_ids))
        for version in session.scalars(query.order_by(DocumentVersion.number.desc())):
            by_record[version.record_id].versions.append(version)
    adoptions: dict[tuple[int, int], DocumentAdoption] = {}
    read_people: Callable[[], People] = dict
    signatures: dict[tuple[int, int], DocumentSignature] = {}
    if record_ids and practice_ids:
        live = select(DocumentAdoption).where(
            DocumentAdoption.record_id.in_(record_ids),
            DocumentAdoption.organisation_id.in_(practice_ids),
            DocumentAdoption.replaced_at.is_(None),
        )
        adoptions = {(a.organisation_id, a.record_id): a for a in session.scalars(live)}
        roles = {r for d in documents for r in d.facts.sign_roles}
        read_people = partial(_people, session, practice_ids, roles)
        current_ids = [d.current.id for d in documents if d.current is not None]
        if current_ids:
            signed = select(DocumentSignature).where(DocumentSignature.version_id.in_(current_ids))
            signatures = {(s.user_id, s.version_id): s for s in session.scalars(signed)}
    return LibraryState(
        app, settings, today, documents, list(practices), adoptions, signatures, read_people
    )


def _people(session: Session, practice_ids: list[int], roles: set[str]) -> People:
    query = (
        select(Membership.organisation_id, Membership.role, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id.in_(practice_ids),
            Membership.role.in_(sorted(roles)),
            User.active,
        )
        .order_by(User.name, User.id)
        # Their memberships are known here; loading each user's (selectin) would cost a
        # statement per 500 people.
        .options(lazyload(User.memberships))
    )
    held: dict[int, dict[int, tuple[User, set[str]]]] = {}
    for org_id, role, user in session.execute(query):
        held.setdefault(org_id, {}).setdefault(user.id, (user, set()))[1].add(role)
    return {
        org_id: [(user, frozenset(roles)) for user, roles in users.values()]
        for org_id, users in held.items()
    }
