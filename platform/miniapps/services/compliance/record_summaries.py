"""Twelve-month summaries for the inspection pack: the ``summaries`` source.

For each app whose records are evidence for the framework (complaints, significant
events, audits, the fridge log...), one table of a practice's records by the London
month they were submitted: how many, and how many of them are now in each workflow state
(received, acknowledged, responded, closed). The records themselves are in the pack's
``records/`` files; this is the page an inspector reads first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from miniapps.core.channels.figures import london_month
from miniapps.core.workflow import Workflow
from miniapps.models import App, Organisation, Record
from miniapps.services.compliance.record_evidence import mapped_versions
from miniapps.services.compliance.source_types import PackTable, SourceBase
from miniapps.services.definitions import app_definition


class RecordSummaries(SourceBase):
    """No evidence or gaps of its own (the ``records`` source counts the records)."""

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> Iterator[PackTable]:
        frameworks = {
            entry["framework"]
            for app in session.scalars(select(App).order_by(App.id))
            if app.versions
            for entry in app.versions[-1].definition.get("evidence", [])
        }
        apps: dict[str, set[int]] = defaultdict(set)
        for framework in sorted(frameworks):
            for app_id, versions in mapped_versions(session, framework).items():
                apps[app_id].update(versions)
        for app_id in sorted(apps):
            table = _summary(session, app_id, sorted(apps[app_id]), org, since, now)
            if table is not None:
                yield table


def _summary(
    session: Session,
    app_id: str,
    versions: list[int],
    org: Organisation,
    since: datetime,
    now: datetime,
) -> PackTable | None:
    app = session.get(App, app_id)
    if app is None:
        return None
    rows = session.execute(
        select(Record.submitted_at, Record.status).where(
            Record.app_id == app_id,
            Record.app_version.in_(versions),
            or_(Record.organisation_id == org.id, Record.subject_id == org.id),
            Record.status != "draft",
            Record.superseded.is_(False),
            Record.submitted_at >= since,
            Record.submitted_at <= now,
        )
    ).all()
    if not rows:
        return None
    workflow = Workflow(app_definition(session, app).workflow)
    states = [s for s in workflow.states if s != workflow.initial]
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    for submitted_at, status in rows:
        if submitted_at is not None:  # the query asks for submitted records only
            by_month[london_month(submitted_at)][status] += 1
    whole = sum(by_month.values(), Counter[str]())
    table_rows = [
        [label, counts.total(), *(counts[s] for s in states)]
        for label, counts in [*sorted(by_month.items()), ("Last 12 months", whole)]
    ]
    return PackTable(
        name=f"summary_{app_id}",
        title=f"{app.title}: 12 months",
        columns=[
            "Month submitted",
            "Records",
            *(f"Now {workflow.title(s).lower()}" for s in states),
        ],
        rows=table_rows,
    )
