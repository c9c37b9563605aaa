"""Where the deadlines of stored records stand: the facts the pure computation needs
(:mod:`miniapps.core.records.deadlines`), read from the records and their audit trail.

A deadline is met by the first audit entry of its action, or the first that moved the
record into its state; ``until`` states are read the same way. Only the entries of the
steps that matter are read, in one statement per batch of records, so a scheduler run or
a compliance view over many records stays a handful of statements. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from miniapps.core.channels.working_days import LONDON
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.records.deadlines import (
    Deadline,
    DeadlineStatus,
    RecordFacts,
    deadlines_of,
    record_statuses,
)
from miniapps.core.workflow import DEFAULT_WORKFLOW, Workflow
from miniapps.models import AppVersion, AuditEntry, Record
from miniapps.services.channels.calendar import holidays

BATCH = 500  # record ids per audit statement (well under every database's parameter cap)


@dataclass(frozen=True)
class RecordDeadlines:
    """One record with its definition and where each of its deadlines stands."""

    record: Record
    definition: AppDefinition
    statuses: list[DeadlineStatus]


def london_day(moment: datetime) -> date:
    """The London calendar day of ``moment`` (SQLite hands back naive UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def record_deadlines(
    session: Session, record: Record, definition: AppDefinition, now: datetime | None = None
) -> list[DeadlineStatus]:
    """Every deadline of ``record`` (made with ``definition``) as it stands at ``now``."""
    found = deadlines_for(session, [(record, definition)], now)
    return found[0].statuses if found else []


def deadlines_for(
    session: Session,
    records: Sequence[tuple[Record, AppDefinition]],
    now: datetime | None = None,
    *,
    selected_by: Select[int] | None = None,
) -> list[RecordDeadlines]:
    """Where the deadlines of each ``(record, definition)`` stand at ``now``; records of
    definitions without deadlines are left out. ``selected_by``, a statement selecting
    the ids of ``records`` (or more), reads their audit trail in one statement however
    many they are; without it, one per :data:`BATCH` records."""
    now = now or datetime.now(UTC)
    today = london_day(now)
    # Per definition, not per record: thousands of records share a few versions.
    parsed: dict[int, tuple[list[Deadline], Workflow]] = {}
    kept = []
    for record, definition in records:
        if definition.deadlines:
            if id(definition) not in parsed:
                parsed[id(definition)] = (
                    deadlines_of(definition.deadlines),
                    Workflow(definition.workflow),
                )
            kept.append((record, definition, *parsed[id(definition)]))
    if not kept:
        return []
    calendar = holidays(session)
    wanted = set().union(*(_audit_actions(d, ds) for _, d, ds, _ in kept))
    ids: list[int] | Select[int] = (
        selected_by if selected_by is not None else [r.id for r, _, _, _ in kept]
    )
    steps = _steps_taken(session, ids, wanted)
    answer = []
    for record, definition, deadlines, workflow in kept:
        facts = _facts(record, workflow, steps.get(record.id, ([], [])))
        statuses = record_statuses(deadlines, facts, today, calendar)
        answer.append(RecordDeadlines(record, definition, statuses))
    return answer


def versions_with_deadlines(session: Session) -> dict[str, dict[int, AppDefinition]]:
    """app id -> {version -> definition} for every stored version declaring ``deadlines``."""
    found: dict[str, dict[int, AppDefinition]] = {}
    rows = session.execute(select(AppVersion.app_id, AppVersion.version, AppVersion.definition))
    for app_id, version, raw in rows:
        if raw.get("deadlines"):
            found.setdefault(app_id, {})[version] = AppDefinition(raw=raw)
    return found


def open_records(
    session: Session,
    app_id: str,
    versions: dict[int, AppDefinition],
    org_ids: list[int] | None,
    *,
    live_only: bool = False,
) -> Iterator[tuple[Record, AppDefinition]]:
    """The records of ``app_id`` made with one of ``versions`` that are not superseded (of
    the organisations ``org_ids`` when given), each with its definition; with
    ``live_only``, not those in a final state of their version's workflow (the states
    final in every version are left out by the database, so closed records are not read)."""
    query = open_records_query(app_id, versions, org_ids)
    workflows = {version: Workflow(d.workflow) for version, d in versions.items()}
    if live_only:
        finals = set.intersection(*(_finals(w) for w in workflows.values()))
        query = query.where(Record.status.notin_(sorted(finals))) if finals else query
    for record in session.scalars(query.order_by(Record.id)):
        if not (live_only and workflows[record.app_version].is_final(record.status)):
            yield record, versions[record.app_version]


def open_records_query(
    app_id: str, versions: Collection[int], org_ids: list[int] | None
) -> Select[Record]:
    """The records of ``app_id`` made with one of ``versions`` that are not superseded (of
    the organisations ``org_ids`` when given)."""
    query = select(Record).where(
        Record.app_id == app_id,
        Record.app_version.in_(sorted(versions)),
        Record.superseded.is_(False),
    )
    return query if org_ids is None else query.where(Record.organisation_id.in_(org_ids))


def _finals(workflow: Workflow) -> set[str]:
    return {state for state in workflow.states if workflow.is_final(state)}


def _audit_actions(definition: AppDefinition, deadlines: list[Deadline]) -> set[str]:
    """The actions whose audit entries can meet a deadline or reach an ``until`` state."""
    transitions = (definition.workflow or DEFAULT_WORKFLOW)["transitions"]
    states = {d.met_name for d in deadlines if d.met_kind == "state"}
    states |= {state for d in deadlines for state in d.until}
    actions = {d.met_name for d in deadlines if d.met_kind == "action"}
    return actions | {t["action"] for t in transitions if t["to"] in states}


Steps = tuple[list[tuple[str, date]], list[tuple[str, date]]]  # (action, day), (state, day)


def _steps_taken(
    session: Session, record_ids: list[int] | Select[int], actions: set[str]
) -> dict[int, Steps]:
    """record id -> the ``actions`` it took and the states they moved it into, oldest first
    (``record_ids``: a list, read in batches, or a statement selecting them)."""
    taken: dict[int, Steps] = {}
    if not actions:
        return taken
    batches = (
        [record_ids[start : start + BATCH] for start in range(0, len(record_ids), BATCH)]
        if isinstance(record_ids, list)
        else [record_ids]
    )
    for batch in batches:
        query = (
            select(AuditEntry.record_id, AuditEntry.action, AuditEntry.at, AuditEntry.changes)
            .where(AuditEntry.record_id.in_(batch), AuditEntry.action.in_(sorted(actions)))
            .order_by(AuditEntry.id)
        )
        for record_id, action, at, changes in session.execute(query):
            assert record_id is not None  # selected by record id
            day = london_day(at)
            done, entered = taken.setdefault(record_id, ([], []))
            done.append((action, day))
            entered.extend((state, day) for state in _states_entered(changes))
    return taken


def _states_entered(changes: Any) -> Iterator[str]:
    for change in changes if isinstance(changes, list) else []:
        moved = isinstance(change, dict) and change.get("pointer") == "/status"
        if moved and isinstance(change.get("new"), str):
            yield change["new"]


def _facts(record: Record, workflow: Workflow, steps: Steps) -> RecordFacts:
    done, entered = steps
    actions: dict[str, date] = {}
    states: dict[str, date] = {}
    for action, day in done:
        actions.setdefault(action, day)
    for state, day in entered:
        states.setdefault(state, day)
    return RecordFacts(
        data=record.data or {},
        status=record.status,
        created_on=london_day(record.created_at),
        submitted_on=london_day(record.submitted_at) if record.submitted_at else None,
        actions=actions,
        states=states,
        final=workflow.is_final(record.status),
    )
