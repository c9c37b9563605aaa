"""Record deadlines as compliance gaps and pack summaries: the ``deadlines`` source of
:data:`~miniapps.services.compliance.sources.SOURCES`.

- **Gaps** (kind ``deadline_missed``): each deadline of a record of an app mapped to the
  framework with ``evidence`` that is overdue now, or was missed (the record moved on
  without meeting it) with a due date in the last 12 months, for the statements the
  app's ``evidence`` names. The records' own evidence is counted by the ``records``
  source; this one adds nothing there.
- **Pack tables**: for each app declaring ``deadlines``, a summary of the records the
  organisation started in the pack's window: how many, how many still open, how each
  deadline stood (met on time, met late, overdue or missed, open, not needed) and how
  many records are in each state now. For complaints that is the 12-month summary:
  received, acknowledged within 3 working days, holding letters, final responses, open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, lazyload

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.pointers import value_at
from miniapps.core.workflow import Workflow
from miniapps.models import App, Organisation, Record
from miniapps.services.compliance.source_types import Gap, PackTable, SourceBase
from miniapps.services.records.deadlines import (
    RecordDeadlines,
    deadlines_for,
    london_day,
    open_records,
    open_records_query,
    versions_with_deadlines,
)

SOURCE = "deadlines"
KIND = "deadline_missed"
MISSED_WITHIN = timedelta(days=365)  # a deadline missed longer ago is history, not a gap
SUMMARY_COLUMNS = ("Met on time", "Met late", "Overdue or missed", "Open", "Not needed")
SUMMARY_OF = {
    "met": "Met on time",
    "late": "Met late",
    "overdue": "Overdue or missed",
    "missed": "Overdue or missed",
    "open": "Open",
    "due_soon": "Open",
    "not_needed": "Not needed",
}


class DeadlineSource(SourceBase):
    """Missed and overdue deadlines as gaps; a deadline summary per app for the pack."""

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterator[Gap]:
        org_ids = [org.id for org in orgs]
        if not org_ids:
            return
        oldest = london_day(now - MISSED_WITHIN)
        for app_id, versions in versions_with_deadlines(session).items():
            mapped = {v: d for v, d in versions.items() if _mappings(d, framework)}
            if not mapped:
                continue
            # The records' organisations are not needed here (a joined organisation per
            # record costs more than the rest); their audit trail is read in one statement.
            query = open_records_query(app_id, mapped, org_ids)
            loaded = session.scalars(query.options(lazyload(Record.organisation)))
            records = [(record, mapped[record.app_version]) for record in loaded]
            ids = query.with_only_columns(Record.id)
            for found in deadlines_for(session, records, now, selected_by=ids):
                for status in found.statuses:
                    if not status.problem or status.due is None:
                        continue
                    if status.standing == "missed" and status.due < oldest:
                        continue
                    statements = _statements(found, framework)
                    if not statements:
                        continue
                    record = found.record
                    yield Gap(
                        org_id=record.organisation_id,
                        framework=framework,
                        statements=statements,
                        kind=KIND,
                        text=(
                            f"{found.definition.title}: {status.deadline.title}, "
                            f"{status.text[:1].lower()}{status.text[1:]} (record {record.id})"
                        ),
                        source=SOURCE,
                        link=f"/apps/{record.app_id}/records/{record.id}",
                    )

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> Iterator[PackTable]:
        for app_id, versions in sorted(versions_with_deadlines(session).items()):
            app = session.get(App, app_id)
            if app is None or app.status != "published":
                continue
            records = [
                (record, definition)
                for record, definition in open_records(session, app_id, versions, [org.id])
                if since <= _aware(record.created_at) <= now
            ]
            rows = deadline_summary(session, records, now)
            yield PackTable(
                name=f"{app_id}_deadlines",
                title=f"{app.title}: deadlines, last 12 months",
                columns=["Measure", "Count"],
                rows=rows,
            )


def deadline_summary(
    session: Session, records: list[tuple[Any, AppDefinition]], now: datetime
) -> list[list[Any]]:
    """``[measure, count]`` rows summarising ``records`` and their deadlines."""
    found = deadlines_for(session, records, now)
    rows: list[list[Any]] = [["Records", len(records)]]
    still_open = sum(1 for r, d in records if not Workflow(d.workflow).is_final(r.status))
    rows.append(["Still open", still_open])
    tally: dict[str, Counter[str]] = {}
    titles: dict[str, str] = {}
    for item in found:
        for status in item.statuses:
            titles.setdefault(status.deadline.id, status.deadline.title)
            if status.standing != "not_started":
                tally.setdefault(status.deadline.id, Counter())[SUMMARY_OF[status.standing]] += 1
    for deadline_id, title in titles.items():
        counts = tally.get(deadline_id, Counter())
        rows += [[f"{title}: {column.lower()}", counts[column]] for column in SUMMARY_COLUMNS]
    states: Counter[str] = Counter()
    for record, definition in records:
        states[Workflow(definition.workflow).title(record.status)] += 1
    rows += [[f"Now {state.lower()}", count] for state, count in sorted(states.items())]
    return rows


def _mappings(definition: AppDefinition, framework: str) -> list[dict[str, Any]]:
    return [m for m in definition.evidence if m.get("framework") == framework]


def _statements(found: RecordDeadlines, framework: str) -> tuple[str, ...]:
    named: list[str] = []
    for mapping in _mappings(found.definition, framework):
        if "statements" in mapping:
            named += mapping["statements"]
            continue
        held = value_at(found.record.data, mapping.get("statements_field", ""))
        held = [held] if isinstance(held, str) else held
        named += [s for s in held or [] if isinstance(s, str) and s]
    return tuple(dict.fromkeys(named))


def _aware(moment: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive UTC datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
