"""Store many demo records at once: checked as :func:`create_record` checks them, written
in two statements.

:func:`create_record` flushes a record and two audit entries one by one and works out
the definition of the record's period each time: right for a user, slow for the
hundreds of monthly returns of a demo. :func:`store_returns` makes the same checks once
per organisation (may write, app published to it, period not locked) and once per
record (:func:`~miniapps.core.records.check.check_record`, the submit transition's
required fields), then inserts the records and their audit trail (``create``, then the
submit action) as :func:`create_record` with ``submit`` would leave them, dated when they were made.
A return given an ``approver`` is then approved by them, as :func:`transition_record` would
(the approver must hold the approve permission; they are never its submitter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid
from miniapps.core.periods.slots import period_slot
from miniapps.core.records.check import check_record
from miniapps.core.workflow import Transition, Workflow, missing_field_issues
from miniapps.models import App, AuditEntry, Organisation, PeriodLock, Record, User
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import APPROVE, WRITE, Access, Forbidden, is_targeted
from miniapps.services.records.audit import created_changes


@dataclass(frozen=True)
class PendingReturn:
    """A return to store: submitted at ``at``, or a draft last changed then."""

    org: Organisation
    period: str
    data: dict[str, Any]
    at: datetime
    submit: bool = True
    approver: User | None = None  # approves the submitted return at ``approved_at``
    approved_at: datetime | None = None


def store_returns(
    session: Session, access: Access, app: App, pending: list[PendingReturn], actor: User
) -> tuple[int, int]:
    """Check and insert ``pending``: (stored, refused). A return whose data fails its
    period's definition is refused and counted; a period that is locked, or an
    organisation the actor may not write for or the app is not published to, raises
    (:class:`Forbidden`) before anything is written."""
    for org in {item.org.id: item.org for item in pending}.values():
        access.require(WRITE, org, app)
        if not is_targeted(session, app.id, org):
            raise Forbidden(f"{app.title} is not published to {org.name} ({org.ods}).")
    approvals = {(i.approver.id, i.org.id): (i.approver, i.org) for i in pending if i.approver}
    for approver, org in approvals.values():
        if approver.id == actor.id:
            raise Forbidden("Whoever submits a return cannot approve it.")
        Access(approver).require(APPROVE, org, app)
    locked = _locked(session, app.id)
    steps: dict[str, tuple[AppDefinition, Workflow, Transition | None]] = {}
    rows: list[dict[str, Any]] = []
    kept: list[tuple[PendingReturn, list[Move]]] = []
    refused = 0
    for item in pending:
        if any(item.period == p and item.org.path.startswith(path) for p, path in locked):
            raise Forbidden(f"{item.period} is locked for {item.org.name} ({item.org.ods}).")
        if item.period not in steps:
            definition = app_definition(session, app, item.period)
            workflow = Workflow(definition.workflow)
            steps[item.period] = (definition, workflow, workflow.submit_action())
        definition, workflow, submit = steps[item.period]
        moves = _moves(workflow, submit, item, actor)
        try:
            data = check_record(definition, item.data, submit=item.submit).data_or_raise()
            for move in moves:
                issues = missing_field_issues(
                    workflow, move.transition, definition.schema, definition.ui, data
                )
                if issues:
                    raise DataInvalid(issues)
        except DataInvalid:
            refused += 1
            continue
        last = moves[-1] if moves else None
        rows.append(
            {
                "app_id": app.id,
                "app_version": definition.version,
                "organisation_id": item.org.id,
                "period": item.period,
                # One return per organisation and period: the slot a record would take.
                "period_slot": period_slot(definition.period, item.period),
                "data": data,
                "status": last.transition.target if last else workflow.initial,
                "version": 1 + len(moves),  # created, then moved along once per step
                "created_by_id": actor.id,
                "updated_by_id": last.actor.id if last else actor.id,
                "created_at": item.at,
                "updated_at": last.at if last else item.at,
                "submitted_at": item.at if moves else None,
            }
        )
        kept.append((item, moves))
    if not rows:
        return 0, refused
    records = cast(Table, Record.__table__)  # Core: the ORM would number ``version`` itself
    ids = session.scalars(
        insert(records).returning(records.c.id, sort_by_parameter_order=True), rows
    ).all()
    audit: list[dict[str, Any]] = []
    for record_id, row, (item, moves) in zip(ids, rows, kept, strict=True):
        entry = {"record_id": record_id, "app_id": app.id}
        created = {"actor_id": actor.id, "at": item.at, "action": "create"}
        audit.append({**entry, **created, "changes": created_changes(row["data"])})
        for move in moves:
            change = {"pointer": "/status", "old": move.source, "new": move.transition.target}
            step = {"actor_id": move.actor.id, "at": move.at, "action": move.transition.action}
            audit.append({**entry, **step, "changes": [change]})
    session.execute(insert(cast(Table, AuditEntry.__table__)), audit)
    return len(rows), refused


@dataclass(frozen=True)
class Move:
    """One workflow step a stored return takes: from ``source`` by ``actor`` at ``at``."""

    transition: Transition
    source: str
    actor: User
    at: datetime


def _moves(
    workflow: Workflow, submit: Transition | None, item: PendingReturn, actor: User
) -> list[Move]:
    """Submit (when asked), then approve (given an approver): the transition out of the
    submitted state that needs the approve permission and ends in a final state."""
    if not item.submit or submit is None:
        return []
    moves = [Move(submit, workflow.initial, actor, item.at)]
    if item.approver is not None:
        final = {name for name, state in workflow.states.items() if state.get("final")}
        approve = next(
            (
                t
                for t in workflow.from_state(submit.target)
                if t.permission == APPROVE and t.target in final
            ),
            None,
        )
        if approve is not None:
            moves.append(Move(approve, submit.target, item.approver, item.approved_at or item.at))
    return moves


def _locked(session: Session, app_id: str) -> list[tuple[str, str]]:
    """(period, organisation path) of every lock on the app."""
    query = (
        select(PeriodLock.period, Organisation.path)
        .join(Organisation, Organisation.id == PeriodLock.organisation_id)
        .where(PeriodLock.app_id == app_id)
    )
    return [(period, path) for period, path in session.execute(query)]
