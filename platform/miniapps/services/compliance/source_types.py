"""The shapes compliance sources answer in (see :mod:`miniapps.services.compliance.sources`).

Kept apart from the registry so that each source imports these types without importing
the registry that imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from miniapps.models import Organisation


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence held by organisation ``org_id``."""

    org_id: int
    framework: str  # framework id, e.g. "cqc-saf"
    statements: tuple[str, ...]
    category: str  # evidence category id, e.g. "processes"
    title: str
    at: datetime  # when it happened or was submitted (aware, UTC)
    source: str  # "records", "documents", ... (the key in SOURCES)
    owner: str | None = None  # who made or owns it (a name, never an email)
    link: str | None = None  # a path of the site (/apps/x/records/5)
    app_id: str | None = None
    record_id: int | None = None


@dataclass(frozen=True)
class Gap:
    """Something missing for organisation ``org_id`` against some statements."""

    org_id: int
    framework: str
    statements: tuple[str, ...]
    kind: str  # e.g. policy_not_adopted, review_overdue, signatures_below_target,
    # audit_not_done, actions_open, training_out_of_date, deadline_missed
    text: str  # a plain sentence for people: "Fire safety policy: review overdue since 3 May 2026"
    source: str
    link: str | None = None


@dataclass(frozen=True)
class PackTable:
    """A table an inspection pack holds as ``<name>.csv`` and a sheet of the workbook."""

    name: str  # file stem, e.g. "policies"
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


class ComplianceSource(Protocol):
    """What one capability tells the compliance view and the inspection pack."""

    def evidence(
        self,
        session: Session,
        orgs: Sequence[Organisation],
        framework: str,
        since: datetime,
        now: datetime,
    ) -> Iterable[EvidenceItem]:
        """Evidence of ``framework`` held by ``orgs`` dated from ``since`` to ``now``."""
        ...

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterable[Gap]:
        """What ``orgs`` are missing against ``framework`` at ``now``."""
        ...

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> Iterable[PackTable]:
        """Summary tables for ``org``'s inspection pack (may be none)."""
        ...


class SourceBase:
    """A source that answers nothing until it overrides a method: most capabilities
    know either evidence, or gaps, or pack tables, not all three."""

    def evidence(
        self,
        session: Session,
        orgs: Sequence[Organisation],
        framework: str,
        since: datetime,
        now: datetime,
    ) -> Iterable[EvidenceItem]:
        return ()

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterable[Gap]:
        return ()

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> Iterable[PackTable]:
        return ()
