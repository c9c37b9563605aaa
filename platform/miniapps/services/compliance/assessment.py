"""How an organisation stands against a compliance framework: evidence and gaps per
quality statement and key question, from every registered source.

Evidence counts when dated within the last 12 months. Statement ids of older framework
versions are carried to the asked version through the ``replaces`` mappings
(:mod:`miniapps.core.compliance.statement_mapping`). Reads only.

Statuses: a statement with a gap has ``gaps``; otherwise ``evidenced`` when it holds
evidence, else ``no_evidence``. A key question is ``evidenced`` when all its statements
are, ``no_evidence`` when none holds evidence or a gap, else ``gaps``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.compliance.frameworks import Framework, Statement, parse_framework
from miniapps.core.compliance.statement_mapping import replaced_chain, statement_carry
from miniapps.core.errors import MiniappsError
from miniapps.models import Framework as FrameworkRow
from miniapps.models import Organisation
from miniapps.services.compliance.source_types import EvidenceItem, Gap
from miniapps.services.compliance.sources import SOURCES

WINDOW_MONTHS = 12


class UnknownFramework(MiniappsError):
    """No such framework (or version) is loaded."""

    code = "unknown_framework"
    kind = "not_found"


@dataclass(frozen=True)
class StatementResult:
    id: str
    title: str
    key_question: str
    unverified: bool
    evidence: int  # items counted in the last 12 months
    latest: datetime | None  # the newest item's date
    status: str  # "evidenced" | "gaps" | "no_evidence"
    gaps: list[Gap]
    items: list[EvidenceItem]  # newest first


@dataclass(frozen=True)
class KeyQuestionResult:
    id: str
    title: str
    status: str  # "evidenced" (all), "no_evidence" (none, no gaps), else "gaps"
    statements: list[StatementResult]

    @property
    def evidenced(self) -> int:
        """How many of its statements are evidenced."""
        return sum(1 for s in self.statements if s.status == "evidenced")


@dataclass(frozen=True)
class Assessment:
    org: Organisation
    framework_id: str
    version: str
    title: str
    key_questions: list[KeyQuestionResult]

    def as_json(self) -> dict[str, Any]:
        """The answer of ``GET /api/v1/compliance``."""
        return {
            "org": self.org.ods,
            "framework": {"id": self.framework_id, "version": self.version},
            "key_questions": [
                {
                    "id": question.id,
                    "title": question.title,
                    "status": question.status,
                    "statements": [
                        {
                            "id": s.id,
                            "title": s.title,
                            "evidence": s.evidence,
                            "latest": s.latest.date().isoformat() if s.latest else None,
                            "status": s.status,
                            "gaps": [
                                {"kind": g.kind, "text": g.text, "link": g.link} for g in s.gaps
                            ],
                        }
                        for s in question.statements
                    ],
                }
                for question in self.key_questions
            ],
        }


def loaded_versions(session: Session, framework_id: str) -> list[FrameworkRow]:
    """The stored versions of ``framework_id``, oldest loaded first."""
    query = (
        select(FrameworkRow)
        .where(FrameworkRow.framework_id == framework_id)
        .order_by(FrameworkRow.loaded_at, FrameworkRow.id)
    )
    return list(session.scalars(query))


def resolve_framework(
    session: Session, framework_id: str, version: str | None = None
) -> tuple[Framework, dict[str, Framework]]:
    """The asked version (default: the one loaded last) and every loaded version by
    version; raises :class:`UnknownFramework`."""
    rows = loaded_versions(session, framework_id)
    versions = {row.version: parse_framework(row.content) for row in rows}
    if not rows:
        raise UnknownFramework(f"framework '{framework_id}' is not loaded")
    chosen = version or rows[-1].version
    if chosen not in versions:
        known = ", ".join(versions)
        raise UnknownFramework(f"{framework_id} has no loaded version '{chosen}' (loaded: {known})")
    return versions[chosen], versions


def category_titles(session: Session, framework_id: str, version: str) -> dict[str, str]:
    """Evidence category id → title in that version of the framework."""
    framework, _versions = resolve_framework(session, framework_id, version)
    return dict(framework.evidence_categories)


def assess(
    session: Session,
    org: Organisation,
    framework_id: str,
    *,
    version: str | None = None,
    now: datetime | None = None,
) -> Assessment:
    """``org``'s standing against the framework (its latest loaded version by default)."""
    return assess_many(session, [org], framework_id, version=version, now=now)[org.id]


def assess_many(
    session: Session,
    orgs: Sequence[Organisation],
    framework_id: str,
    *,
    version: str | None = None,
    now: datetime | None = None,
) -> dict[int, Assessment]:
    """Each organisation's assessment keyed by its id; every source is asked once for all."""
    framework, versions = resolve_framework(session, framework_id, version)
    carry = statement_carry(replaced_chain(framework, versions))
    moment = _aware(now or datetime.now(UTC))
    since = months_before(moment, WINDOW_MONTHS)
    items: dict[tuple[int, str], list[EvidenceItem]] = defaultdict(list)
    gaps: dict[tuple[int, str], list[Gap]] = defaultdict(list)
    counted: set[tuple[int, str, str, int]] = set()
    for source in SOURCES.values():
        for item in source.evidence(session, orgs, framework_id, since, moment):
            if item.framework != framework_id or not since <= _aware(item.at) <= moment:
                continue
            for sid in _carried(item.statements, carry):
                # One record is one piece of evidence for a statement, however many of
                # its app's evidence entries (categories) name that statement.
                key = (item.org_id, sid, item.source, item.record_id or id(item))
                if key not in counted:
                    counted.add(key)
                    items[(item.org_id, sid)].append(item)
        for gap in source.gaps(session, orgs, framework_id, moment):
            if gap.framework == framework_id:
                for sid in _carried(gap.statements, carry):
                    gaps[(gap.org_id, sid)].append(gap)
    return {
        org.id: Assessment(
            org=org,
            framework_id=framework.id,
            version=framework.version,
            title=framework.title,
            key_questions=[
                _question(q.id, q.title, [_statement(s, org.id, items, gaps) for s in q.statements])
                for q in framework.key_questions
            ],
        )
        for org in orgs
    }


def _carried(statements: Sequence[str], carry: dict[str, tuple[str, ...]]) -> list[str]:
    """The asked version's statements these ids count for, each once."""
    found: list[str] = []
    for sid in statements:
        for target in carry.get(sid, ()):
            if target not in found:
                found.append(target)
    return found


def _statement(
    statement: Statement,
    org_id: int,
    items: dict[tuple[int, str], list[EvidenceItem]],
    gaps: dict[tuple[int, str], list[Gap]],
) -> StatementResult:
    held = sorted(items.get((org_id, statement.id), []), key=lambda i: _aware(i.at), reverse=True)
    missing = gaps.get((org_id, statement.id), [])
    status = "gaps" if missing else "evidenced" if held else "no_evidence"
    return StatementResult(
        id=statement.id,
        title=statement.title,
        key_question=statement.key_question,
        unverified=statement.unverified,
        evidence=len(held),
        latest=_aware(held[0].at) if held else None,
        status=status,
        gaps=list(missing),
        items=held,
    )


def _question(qid: str, title: str, statements: list[StatementResult]) -> KeyQuestionResult:
    if all(s.status == "evidenced" for s in statements):
        status = "evidenced"
    elif all(s.status == "no_evidence" for s in statements):
        status = "no_evidence"
    else:
        status = "gaps"
    return KeyQuestionResult(qid, title, status, statements)


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (31 March less one month is the
    last day of February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, _days_in(year, month + 1))
    return moment.replace(year=year, month=month + 1, day=day)


def _days_in(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
