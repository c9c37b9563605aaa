"""Compliance across practices: the heatmap of practices by key question and the PCN
benchmarking, for a PCN, Place or ICB.

Practices are those beneath the chosen organisation that the user may read (the app's
own permissions apply) and that the app is published to; every source is asked once for
all of them (:func:`~miniapps.services.compliance.assessment.assess_many`). Rows are
grouped by PCN, each group with a summary over its practices (practices placed directly
under a Place form a group without a PCN). Reads only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.models.organisation import subtree
from miniapps.services.compliance.assessment import (
    Assessment,
    KeyQuestionResult,
    assess_many,
    resolve_framework,
)
from miniapps.services.compliance.sources import Gap
from miniapps.services.permissions import READ, Access, targeted_clause

# What a gap is about, by its kind, for benchmarking (in this order); a kind not listed
# goes by the source that found it (SOURCE_GROUPS), else it counts as "other".
GAP_GROUPS: dict[str, tuple[str, ...]] = {
    "policies": ("policy_not_adopted", "policy_not_readopted", "review_overdue"),
    "signatures": ("signatures_below_target",),
    "audits": ("audit_not_done", "actions_open"),
    "training": ("training_out_of_date",),
    "deadlines": ("deadline_missed",),
}
GROUP_OF_KIND = {kind: group for group, kinds in GAP_GROUPS.items() for kind in kinds}
SOURCE_GROUPS = {
    "documents": "policies",
    "audits": "audits",
    "training": "training",
    "deadlines": "deadlines",
}
GAP_GROUP_TITLES = {
    "policies": "Policies",
    "signatures": "Read-and-sign",
    "audits": "Audits and actions",
    "training": "Training",
    "deadlines": "Deadlines",
    "other": "Other",
}


def gap_group(gap: Gap) -> str:
    return GROUP_OF_KIND.get(gap.kind) or SOURCE_GROUPS.get(gap.source, "other")


@dataclass(frozen=True)
class Cell:
    """One key question for one practice, or summed over a PCN's practices."""

    evidenced: int  # statements evidenced
    total: int  # statements
    status: str  # "evidenced" | "gaps" | "no_evidence"


@dataclass(frozen=True)
class PracticeLine:
    org: Organisation
    assessment: Assessment
    cells: list[Cell]  # by key question, in the framework's order

    @property
    def evidenced(self) -> int:
        return sum(cell.evidenced for cell in self.cells)

    @property
    def total(self) -> int:
        return sum(cell.total for cell in self.cells)

    @property
    def percent(self) -> float:
        """Statements evidenced, as a percentage of all (one decimal)."""
        return round(100 * self.evidenced / self.total, 1) if self.total else 0.0

    @cached_property
    def gap_counts(self) -> dict[str, int]:
        """Distinct gaps by :data:`GAP_GROUPS` group (a gap named by several statements
        counts once), every group present; "other" only when some gap is of no group."""
        counts = Counter(gap_group(gap) for gap in distinct_gaps(self.assessment))
        found = {group: counts.get(group, 0) for group in GAP_GROUPS}
        if counts.get("other"):
            found["other"] = counts["other"]
        return found


@dataclass(frozen=True)
class PcnGroup:
    pcn: Organisation | None  # None: practices directly under a Place
    practices: list[PracticeLine]
    summary: list[Cell]  # by key question, summed over the practices

    @property
    def average(self) -> float:
        """The mean of its practices' percentages (all share one framework, so also the
        pooled percentage)."""
        lines = self.practices
        return round(sum(p.percent for p in lines) / len(lines), 1) if lines else 0.0

    def ranked(self) -> list[PracticeLine]:
        """Its practices, most evidenced first (then by name)."""
        return sorted(self.practices, key=lambda p: (-p.percent, p.org.name))


@dataclass(frozen=True)
class Heatmap:
    org: Organisation
    framework_id: str
    version: str
    title: str
    key_questions: list[tuple[str, str]]  # (id, title) in the framework's order
    groups: list[PcnGroup]


def practices_below(
    session: Session, access: Access, org: Organisation, app: App
) -> list[Organisation]:
    """Active practices at or beneath ``org`` that ``access`` may read ``app``'s records
    of and that ``app`` is published to, in tree order."""
    query = select(Organisation).where(
        subtree(org.path),
        Organisation.type == "practice",
        Organisation.active,
        access.org_clause(READ, app),
        targeted_clause(app.id),
    )
    return list(session.scalars(query.order_by(Organisation.path)))


def heatmap(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    framework_id: str,
    *,
    now: datetime | None = None,
) -> Heatmap:
    """Every readable practice beneath ``org`` by key question, grouped by PCN (PCNs by
    name, their practices by name). Raises ``UnknownFramework`` when not loaded."""
    practices = practices_below(session, access, org, app)
    assessments = assess_many(session, practices, framework_id, now=now)
    by_pcn: dict[int | None, list[PracticeLine]] = {}
    parents: dict[int | None, Organisation | None] = {}
    for practice in sorted(practices, key=lambda p: p.name):
        assessment = assessments[practice.id]
        line = PracticeLine(practice, assessment, [_cell(q) for q in assessment.key_questions])
        pcn = practice.parent if practice.parent and practice.parent.type == "pcn" else None
        key = pcn.id if pcn else None
        by_pcn.setdefault(key, []).append(line)
        parents[key] = pcn
    groups = [
        PcnGroup(parents[key], lines, _summary(lines))
        for key, lines in sorted(
            by_pcn.items(), key=lambda kv: (kv[0] is None, _name(parents[kv[0]]))
        )
    ]
    ident, version, title, questions = _titles(assessments, session, framework_id)
    return Heatmap(org, ident, version, title, questions, groups)


def distinct_gaps(assessment: Assessment) -> list[Gap]:
    """Every gap of the assessment once, in the framework's order."""
    seen: dict[Gap, None] = {}
    for question in assessment.key_questions:
        for statement in question.statements:
            for gap in statement.gaps:
                seen.setdefault(gap)
    return list(seen)


def _titles(
    assessments: dict[int, Assessment], session: Session, framework_id: str
) -> tuple[str, str, str, list[tuple[str, str]]]:
    """The framework's id, version, title and key questions: from any assessment, or
    (no practice assessed) from the latest loaded version."""
    for assessment in assessments.values():
        questions = [(q.id, q.title) for q in assessment.key_questions]
        return assessment.framework_id, assessment.version, assessment.title, questions
    framework, _versions = resolve_framework(session, framework_id)
    questions = [(q.id, q.title) for q in framework.key_questions]
    return framework.id, framework.version, framework.title, questions


def _name(org: Organisation | None) -> str:
    return org.name if org is not None else ""


def _cell(question: KeyQuestionResult) -> Cell:
    return Cell(question.evidenced, len(question.statements), question.status)


def _summary(lines: list[PracticeLine]) -> list[Cell]:
    """Per key question: statements evidenced and in all, summed over ``lines``;
    evidenced when every practice is, no evidence when none has any, else gaps."""
    summary = []
    for index in range(len(lines[0].cells)):
        cells = [line.cells[index] for line in lines]
        statuses = {cell.status for cell in cells}
        status = statuses.pop() if len(statuses) == 1 else "gaps"
        summary.append(Cell(sum(c.evidenced for c in cells), sum(c.total for c in cells), status))
    return summary
