"""One workflow step on a record, in the caller's transaction: the values of the fields
it fills in (:func:`fill_step_fields`), the checks it needs (requires_fields, a
comment), the move, its audit entry, the channels it sends through and the emails it
sends. :mod:`lifecycle` decides who may take it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue, MiniappsError
from miniapps.core.records.check import check_record
from miniapps.core.records.step_values import merge_step_values
from miniapps.core.workflow import Transition, Workflow, missing_field_issues
from miniapps.models import Record, User
from miniapps.services.channels.sending import on_step
from miniapps.services.follow_ups.actions import make_follow_ups
from miniapps.services.notifications.events import notify_transition
from miniapps.services.records.audit import audit_change, audit_row, write_audit_rows
from miniapps.services.records.comments import add_workflow_comment
from miniapps.services.records.stored_checks import keep_up, raise_stored_issues
from miniapps.services.records.write import Write


class StaleRecord(MiniappsError):
    code = "conflict"
    kind = "conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "This record was changed by someone else since you opened it "
            f"(it is now at version {current_version}). Reload it, then make your change again."
        )
        self.current_version = current_version


class TransitionNotAllowed(MiniappsError):
    code = "transition_not_allowed"
    kind = "conflict"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


def submit_step(
    session: Session,
    record: Record,
    definition: AppDefinition,
    workflow: Workflow,
    actor: User | None,
    notify_base_url: str | None,
    *,
    earlier_audit: Sequence[dict[str, Any]] = (),
) -> None:
    """Take the app's submit transition (the first one out of the initial state).

    ``earlier_audit``: audit entries (:func:`audit_row`) not written yet, such as a new
    record's "create": written before the step's own, in the same statement."""
    action = workflow.submit_action(record.data)
    if action is None:
        write_audit_rows(session, earlier_audit)
        return
    take_step(
        session,
        record,
        definition,
        workflow,
        action.action,
        actor,
        None,
        notify_base_url,
        earlier_audit=earlier_audit,
    )


def take_step(
    session: Session,
    record: Record,
    definition: AppDefinition,
    workflow: Workflow,
    action: str,
    actor: User | None,
    comment: str | None,
    notify_base_url: str | None = None,
    *,
    acting_for: frozenset[int] = frozenset(),
    earlier_audit: Sequence[dict[str, Any]] = (),
) -> None:
    """Move the record along one transition, send it through the channels the step
    fires and move their clocks; email the people concerned when a base URL for links
    is given (bulk loads such as imports and the demo pass none). ``earlier_audit``:
    entries still to write (see :func:`submit_step`), written first with the step's."""
    transition = workflow.find(record.status, action, record.data)
    if transition is None:
        allowed = [t.action for t in workflow.from_state(record.status, record.data)]
        now = f"allowed now: {', '.join(allowed) or 'none'}"
        if workflow.find(record.status, action) is not None:  # its "when" does not hold
            raise TransitionNotAllowed(
                f"{action!r} is not possible for this record as it is answered; {now}", allowed
            )
        raise TransitionNotAllowed(
            f"{action!r} is not possible while the record is "
            f"{workflow.title(record.status).lower()}; {now}",
            allowed,
        )
    issues = step_issues(workflow, transition, definition, record.data, comment)
    if issues:
        raise DataInvalid(issues)
    # The comment joins the record's thread (checked first: nothing moves if refused).
    note = None
    if actor is not None and (comment or "").strip():
        note = add_workflow_comment(session, record, comment or "", actor, notify_base_url)
    old_status = record.status
    record.status = transition.target
    record.updated_at = datetime.now(UTC)
    record.updated_by_id = actor.id if actor else None
    if record.submitted_at is None and old_status == workflow.initial:
        record.submitted_at = record.updated_at
    flush_or_conflict(session, record)
    record_step(
        session,
        record,
        definition,
        workflow,
        transition,
        old_status,
        actor,
        notify_base_url,
        comment=comment,
        note_id=note.id if note is not None else None,
        acting_for=acting_for,
        earlier_audit=earlier_audit,
    )


def record_step(
    session: Session,
    record: Record,
    definition: AppDefinition,
    workflow: Workflow,
    transition: Transition,
    old_status: str,
    actor: User | None,
    notify_base_url: str | None,
    *,
    comment: str | None = None,
    note_id: int | None = None,
    acting_for: frozenset[int] = frozenset(),
    earlier_audit: Sequence[dict[str, Any]] = (),
) -> None:
    """What follows a record's move along ``transition`` from ``old_status`` (the record
    already stored in its new state): the step's audit entry (after ``earlier_audit``, in
    one statement), channels, follow-up actions on submission and emails (when a base
    URL for links is given). ``note_id``: the thread comment ``comment`` was kept as."""
    changes: list[dict[str, Any]] = [
        {"pointer": "/status", "old": old_status, "new": record.status}
    ]
    if comment:
        link = {"comment_id": note_id} if note_id is not None else {}
        changes.append({"pointer": "/comment", "old": None, "new": comment, **link})
    row = audit_row(record, actor, transition.action, changes)
    write_audit_rows(session, [*earlier_audit, row])
    on_step(
        session,
        record,
        definition,
        workflow,
        transition,
        old_status,
        actor,
        notify_base_url,
        acting_for,
    )
    if old_status == workflow.initial and record.status != workflow.initial:
        make_follow_ups(session, record, definition)  # submitted: failed items become actions
    if notify_base_url is not None:
        notify_transition(
            session,
            record,
            workflow,
            transition,
            old_status,
            actor,
            notify_base_url,
            commented=note_id is not None,
        )


def step_issues(
    workflow: Workflow,
    transition: Transition,
    definition: AppDefinition,
    data: Any,
    comment: str | None,
) -> list[Issue]:
    """What stops ``transition`` for a record holding ``data``: a missing comment, then
    the fields it needs (``requires_fields``) still empty, each at its pointer."""
    issues = missing_field_issues(workflow, transition, definition.schema, definition.ui, data)
    if transition.comment_required and not (comment or "").strip():
        issues.insert(0, Issue("/comment", f"Enter a comment to {transition.title.lower()}"))
    return issues


def fill_step_fields(
    session: Session,
    record: Record,
    definition: AppDefinition,
    workflow: Workflow,
    transition: Transition,
    values: Any,
    actor: User | None,
    comment: str | None,
) -> None:
    """Lay the step's ``values`` over the record's data before the move: a key outside the
    step's fields is refused at ``/data/<key>``; the merged data must pass the one record
    check (as submitted) and the step's own needs (comment, ``requires_fields``), every
    problem at once at its pointer, nothing changed. Then the data is stored and
    audited as an "update" by ``actor``, in the step's transaction."""
    merged, issues = merge_step_values(record.data, transition, values)
    if issues:
        raise DataInvalid(issues)
    check = check_record(definition, merged, submit=True, stored=record.data)
    reported = {issue.pointer for issue in check.issues}
    needs = step_issues(workflow, transition, definition, check.data, comment)
    issues = [*check.issues, *(i for i in needs if i.pointer not in reported)]
    if issues:
        raise DataInvalid(issues)
    write = Write(record.app_id, record.organisation, definition, check.data, record)
    raise_stored_issues(session, write)
    if check.data != record.data:
        old, record.data = record.data, check.data
        record.updated_at = datetime.now(UTC)
        record.updated_by_id = actor.id if actor else None
        flush_or_conflict(session, record)
        keep_up(session, record, definition)
        audit_change(session, record, actor, "update", old, check.data)


def flush_or_conflict(session: Session, record: Record) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        current = session.scalar(select(Record.version).where(Record.id == record.id)) or 0
        raise StaleRecord(current) from exc
