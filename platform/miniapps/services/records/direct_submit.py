"""A new record submitted at once, stored already submitted: one insert instead of an
insert, then the submit step's update (and the ORM's two flushes around them).

:func:`~miniapps.services.records.lifecycle.create_record` with ``submit`` stores a draft
and moves it along the submit transition. When nothing in between can see the draft,
the record may as well go in in its submitted state: the same row (status, version 2 as
the update would leave it, ``submitted_at``), the same two audit entries and the same
emails, written by the same step code (:func:`~miniapps.services.records.steps.record_step`).
:func:`direct_submit` says when that holds, so the two paths store the same thing;
anything it does not know goes the long way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session, make_transient_to_detached

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.workflow import Transition, Workflow
from miniapps.db_direct import insert_row
from miniapps.models import App, Organisation, Record, User
from miniapps.services.records import references, unique_keys
from miniapps.services.records.audit import audit_row, created_changes
from miniapps.services.records.new_row import new_record
from miniapps.services.records.steps import record_step, step_issues
from miniapps.services.records.stored_checks import UPKEEP

RECORDS = cast(Table, Record.__table__)
# Upkeep hooks whose work is known here: the subject is set before the insert; unique
# keys send the record the long way (their hook tells a new record by its version 1).
_KNOWN_UPKEEP = (unique_keys.keep_record_keys, references.keep_subject)
# The version a new record has after its submit step: 1 when inserted, 2 once moved.
SUBMITTED_VERSION = 2


def direct_submit(
    definition: AppDefinition, workflow: Workflow, data: Any, slot: str | None
) -> Transition | None:
    """The submit transition, when a new record holding ``data`` may be inserted already
    submitted; None when it must be stored as a draft and moved (the long way).

    The long way is taken for anything that acts on the draft between its insert and the
    step: channels (sent on "created"), the definition's emails on "created" (they name
    the draft's state), follow-up actions, unique keys, a period slot (claimed in a
    savepoint), an upkeep hook not known here, or a step that would be refused (its
    refusal is the long way's)."""
    if slot is not None or definition.channels or definition.follow_ups is not None:
        return None
    if definition.unique or any(hook not in _KNOWN_UPKEEP for hook in UPKEEP):
        return None
    if any(n.get("on") == "created" for n in definition.notifications or []):
        return None
    action = workflow.submit_action(data)
    if action is None:
        return None
    transition = workflow.find(workflow.initial, action.action, data)
    if transition is None or step_issues(workflow, transition, definition, data, None):
        return None
    return transition


def create_submitted(
    session: Session,
    app: App,
    org: Organisation,
    step: tuple[AppDefinition, Workflow, Transition],
    data: dict[str, Any],
    actor: User | None,
    period: str | None,
    notify_base_url: str | None,
) -> Record:
    """Store a new record already moved along the submit transition (``step``: the
    definition, its workflow and the transition :func:`direct_submit` found), then what
    the step does: the "create" and step audit entries in one statement, and the emails."""
    definition, workflow, transition = step
    record = insert_submitted(session, app, org, definition, transition, data, actor, period)
    created = audit_row(record, actor, "create", created_changes(data))
    record_step(
        session,
        record,
        definition,
        workflow,
        transition,
        workflow.initial,
        actor,
        notify_base_url,
        earlier_audit=[created],
    )
    return record


def insert_submitted(
    session: Session,
    app: App,
    org: Organisation,
    definition: AppDefinition,
    transition: Transition,
    data: dict[str, Any],
    actor: User | None,
    period: str | None,
) -> Record:
    """Insert the record in ``transition``'s target state (one Core statement) and make
    it a persistent object of ``session`` without reading it back: every column is set
    here, so nothing is loaded later."""
    now = datetime.now(UTC)
    record = new_record(
        app,
        org,
        definition,
        data,
        status=transition.target,
        actor=actor,
        period=period,
        slot=None,
        now=now,
    )
    # The columns the ORM's insert would fill in, so that every one is known.
    record.organisation_id = org.id
    record.subject_id = None
    record.superseded = False
    record.version = SUBMITTED_VERSION
    record.submitted_at = now
    references.keep_subject(session, record, definition)  # its upkeep, before the insert
    values = {column.key: getattr(record, column.key) for column in RECORDS.c if column.key != "id"}
    record.id = insert_row(session, RECORDS, values, returning="id")
    make_transient_to_detached(record)  # as if just loaded: clean, every column known
    session.add(record)
    return record
