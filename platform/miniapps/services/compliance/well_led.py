"""The Well-led view of one practice, for its partners and managers.

The framework's Well-led key question with its statements' evidence and gaps, the last
12 months' evidence for them, and the governance picture the other apps give through the
assessment: every gap of the practice (all key questions) grouped by what it is about
(policies overdue for review or not adopted, read-and-sign below target, audits and
their actions, training, deadlines), and open risks by band from every app with a
``heatmap`` dashboard widget the user may see (:mod:`miniapps.services.compliance.risks`).
Nothing here names an app. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.app_visibility import visible_apps
from miniapps.services.compliance.assessment import (
    Assessment,
    KeyQuestionResult,
    assess,
    resolve_framework,
)
from miniapps.services.compliance.overview import (
    GAP_GROUP_TITLES,
    GAP_GROUPS,
    distinct_gaps,
    gap_group,
)
from miniapps.services.compliance.risks import RiskPicture, open_risks
from miniapps.services.compliance.sources import EvidenceItem, Gap
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import READ, Access, is_targeted

# Definition members that make an app part of the governance picture (a document
# library, audit actions, a training matrix): the view links to their pages.
GOVERNANCE_MEMBERS = ("documents", "follow_ups", "matrix")
# The key question this view is about, as the framework files name it.
WELL_LED = "well_led"
RECENT_SHOWN = 50  # the newest evidence items listed; the compliance view and pack hold all


@dataclass(frozen=True)
class GovernanceArea:
    group: str  # a GAP_GROUPS key, or "other"
    title: str
    gaps: list[Gap]


@dataclass(frozen=True)
class WellLed:
    org: Organisation
    assessment: Assessment
    question: KeyQuestionResult | None  # None: the framework has no Well-led question
    governance: list[GovernanceArea]
    risks: list[RiskPicture]
    governance_apps: list[tuple[App, list[str]]]  # (app, its GOVERNANCE_MEMBERS), by title
    recent: list[EvidenceItem]  # the newest RECENT_SHOWN items for Well-led statements
    recent_total: int  # all the items of the last 12 months
    statement_titles: dict[str, str]  # statement id -> title (of the assessed version)
    categories: dict[str, str]  # evidence category id -> title

    @property
    def evidenced(self) -> int:
        return self.question.evidenced if self.question else 0

    @property
    def gap_count(self) -> int:
        return sum(len(area.gaps) for area in self.governance)


def well_led(
    session: Session,
    access: Access,
    org: Organisation,
    framework_id: str,
    *,
    now: datetime | None = None,
) -> WellLed:
    """``org``'s Well-led picture; raises ``UnknownFramework`` when not loaded."""
    assessment = assess(session, org, framework_id, now=now)
    framework, _versions = resolve_framework(session, framework_id, assessment.version)
    question = next(
        (q for q in assessment.key_questions if q.id == WELL_LED or q.title == "Well-led"),
        None,
    )
    recent = _recent(question)
    return WellLed(
        org=org,
        assessment=assessment,
        question=question,
        governance=governance(assessment),
        risks=open_risks(session, access, org),
        governance_apps=governance_apps(session, access, org),
        recent=recent[:RECENT_SHOWN],
        recent_total=len(recent),
        statement_titles={s.id: s.title for s in framework.statements},
        categories=dict(framework.evidence_categories),
    )


def governance(assessment: Assessment) -> list[GovernanceArea]:
    """Every area of :data:`GAP_GROUPS` with the assessment's distinct gaps in it (maybe
    none), and "other" when some gap belongs to none."""
    found: dict[str, list[Gap]] = {group: [] for group in GAP_GROUPS}
    for gap in distinct_gaps(assessment):
        found.setdefault(gap_group(gap), []).append(gap)
    return [
        GovernanceArea(group, GAP_GROUP_TITLES[group], gaps)
        for group, gaps in found.items()
        if gaps or group != "other"
    ]


def governance_apps(
    session: Session, access: Access, org: Organisation
) -> list[tuple[App, list[str]]]:
    """The apps published to ``org`` that the user may read there and that keep part of
    its governance (:data:`GOVERNANCE_MEMBERS`), each with the members it has."""
    found = []
    for app in visible_apps(session, access):
        members = [m for m in GOVERNANCE_MEMBERS if m in app_definition(session, app).raw]
        if members and access.can(READ, org, app) and is_targeted(session, app.id, org):
            found.append((app, members))
    return found


def _recent(question: KeyQuestionResult | None) -> list[EvidenceItem]:
    """The question's evidence items once each (an item may count for several of its
    statements), newest first."""
    if question is None:
        return []
    seen: dict[EvidenceItem, None] = {}
    for statement in question.statements:
        for item in statement.items:
            seen.setdefault(item)
    return sorted(seen, key=lambda item: _aware(item.at), reverse=True)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
