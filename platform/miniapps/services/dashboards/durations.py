"""The ``duration`` widget: how long records take to reach a workflow state.

``{"type": "duration", "from": "created" | "submitted", "to": "state:closed",
"group_by": "org" | "month" | "period"}`` measures, for each record the widget counts,
the days from its start (``created_at``, or ``submitted_at``: the default) to the first
audit entry that moved it into the state (a workflow step whose change of ``/status``
has that state as its new value). Records that have not got there yet, and are not in a
final state they cannot leave, are *open*, with their age so far. Records in the state
without such an entry (imported in it) are in neither figure.

One statement per widget: the widget's records, each joined to the audit entries of the
steps that lead into the state (none when no step does), read in Python, where the
median and 90th percentile are worked out (:mod:`miniapps.core.dashboards.durations`).

``data``::

    {"from": "submitted", "to": "closed", "state_title": "Closed", "group_by": null,
     "count": 12, "median_days": 4.5, "p90_days": 9.1,
     "open": {"count": 3, "median_days": 2.0, "max_days": 6.3},
     "groups": [{"key": "2026-04", "label": "2026-04", "count": ..., "median_days": ...,
                 "p90_days": ..., "open": {...}}]}

``groups`` is empty without ``group_by``; by ``org`` it lists the organisations one
level below (key: ODS code, label: name), by ``month`` every London month of the
dashboard (the month a record was submitted), by ``period`` the periods with records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, literal, select
from sqlalchemy.orm import aliased

from miniapps.core.channels.figures import london_month
from miniapps.core.dashboards.durations import Durations, days_between
from miniapps.core.workflow import Workflow
from miniapps.models import AuditEntry, Organisation, Record
from miniapps.services.dashboards.declared_figures import Context
from miniapps.services.dashboards.months import MONTH, record_moment
from miniapps.services.dashboards.trends import period_of_record

STATE_PREFIX = "state:"


@dataclass
class _Journey:
    status: str
    start: datetime
    key: Any
    reached: datetime | None = None


def moved_into(changes: Any, state: str) -> bool:
    """Whether an audit entry's changes move the record's ``/status`` to ``state``."""
    return isinstance(changes, list) and any(
        isinstance(c, dict) and c.get("pointer") == "/status" and c.get("new") == state
        for c in changes
    )


def build_duration(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    state = spec["to"].removeprefix(STATE_PREFIX)
    start_from = spec.get("from", "submitted")
    group = spec.get("group_by")
    workflow = Workflow(ctx.workflow or None)
    journeys = _journeys(ctx, workflow, state, start_from, group)
    now = datetime.now(UTC)
    total = Durations()
    by_key: dict[Any, Durations] = {}
    for journey in journeys.values():
        if journey.reached is not None:
            days = days_between(journey.start, journey.reached)
            for figures in (total, by_key.setdefault(journey.key, Durations())):
                figures.done.append(days)
        elif journey.status != state and not workflow.is_final(journey.status):
            age = days_between(journey.start, now)
            for figures in (total, by_key.setdefault(journey.key, Durations())):
                figures.open.append(age)
    data: dict[str, Any] = {
        "from": start_from,
        "to": state,
        "state_title": workflow.title(state),
        "group_by": group,
        **total.figures(),
        "groups": [
            {"key": key, "label": label, **by_key.get(found, Durations()).figures()}
            for key, label, found in _group_keys(ctx, group, by_key)
        ],
    }
    return {"id": spec["id"], "type": spec["type"], "title": spec["title"], "data": data}


def _journeys(
    ctx: Context, workflow: Workflow, state: str, start_from: str, group: str | None
) -> dict[int, _Journey]:
    """Each record's status, start, group key and the first time it reached ``state``."""
    query = ctx.query
    start = Record.created_at if start_from == "created" else record_moment()
    source = query.records()
    key: Any = literal(None)
    if group == "org" and ctx.breakdown.children:
        child = aliased(Organisation, name="child_org")
        ids = [o.id for o in ctx.breakdown.children]
        source = source.outerjoin(
            child, and_(Organisation.path.startswith(child.path), child.id.in_(ids))
        )
        key = child.id
    elif group == MONTH:
        key = record_moment()
    elif group == "period":
        key = period_of_record(query, ctx.periodic)
    actions = sorted({t.action for t in workflow.transitions if t.target == state})
    moves: list[Any] = [literal(None), literal(None)]
    if actions:
        entry = and_(AuditEntry.record_id == Record.id, AuditEntry.action.in_(actions))
        source = source.outerjoin(AuditEntry, entry)
        moves = [AuditEntry.at, AuditEntry.changes]
    rows = query.session.execute(
        select(Record.id, Record.status, start.label("start"), key.label("k"), *moves)
        .select_from(source)
        .where(*query.conditions)
    )
    journeys: dict[int, _Journey] = {}
    for record_id, status, began, found, at, changes in rows:
        if group == MONTH and found is not None:
            found = london_month(found)
        journey = journeys.setdefault(record_id, _Journey(status, began, found))
        first = journey.reached is None or (at is not None and at < journey.reached)
        if at is not None and first and moved_into(changes, state):
            journey.reached = at
    return journeys


def _group_keys(
    ctx: Context, group: str | None, found: dict[Any, Durations]
) -> list[tuple[Any, str, Any]]:
    """``(key, label, key of found)`` of every group the widget lists, in order."""
    if group == "org":
        return [(o.ods, o.name, o.id) for o in ctx.breakdown.children]
    if group == MONTH:
        return [(month, month, month) for month in ctx.months()]
    if group == "period":
        return [(period, period, period) for period in sorted(k for k in found if k is not None)]
    return []
