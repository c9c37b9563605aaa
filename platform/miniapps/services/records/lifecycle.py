"""Records: drafts, submission, edits with optimistic locking, transitions, audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.errors import DataInvalid, Issue, MiniappsError
from miniapps.core.periods.slots import period_slot
from miniapps.core.records.check import check_record
from miniapps.core.records.step_values import keep_step_values
from miniapps.core.workflow import Transition, Workflow
from miniapps.models import App, Organisation, Record, User
from miniapps.services.app_retirement import refuse_if_retired
from miniapps.services.channels.sending import send_on_events, touch_items
from miniapps.services.definitions import app_definition, record_definition
from miniapps.services.notifications.events import notify_record_event
from miniapps.services.permissions import WRITE, Access, Forbidden
from miniapps.services.permissions.targeting import is_targeted
from miniapps.services.records.audit import (
    audit_change,
    audit_row,
    created_changes,
    write_audit_rows,
)
from miniapps.services.records.direct_submit import create_submitted, direct_submit
from miniapps.services.records.duties import (
    is_own_approval,
    may_take,
    own_approval_message,
    refusal,
)
from miniapps.services.records.new_row import new_record
from miniapps.services.records.periods import check_period, claim_slot, ensure_slot_free
from miniapps.services.records.steps import (
    StaleRecord,
    TransitionNotAllowed,
    fill_step_fields,
    flush_or_conflict,
    submit_step,
    take_step,
)
from miniapps.services.records.stored_checks import keep_up, raise_stored_issues
from miniapps.services.records.write import Write
from miniapps.services.returns.tracking import ensure_period_open


class NotEditable(MiniappsError):
    code = "not_editable"
    kind = "conflict"


def create_record(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    data: Any,
    *,
    period: str | None = None,
    submit: bool = False,
    actor: User | None,
    notify_base_url: str | None = None,
    input_issues: Sequence[Issue] = (),
    targeted: bool | None = None,
) -> Record:
    """Store a new record (a draft, or submitted when ``submit``) for ``org``.

    A period that already has ``org``'s record (in an app holding one per period) is
    refused with :class:`PeriodTaken`, naming that record, before the data is checked.
    ``input_issues`` are problems the entry point found before the data existed (a
    refused upload): refused together with the data's own, in one round. ``targeted``:
    whether the app is published to ``org``, when the caller asked already in this
    transaction (with the organisation: one statement less); None asks here.

    Authorisation first, then state: 403 for someone who may not write at ``org`` (a
    locked period or a taken one is no business of theirs), then 422 for a malformed
    period, then 409 for a locked period, then 409 for a taken one."""
    access.require(WRITE, org, app)
    if not (is_targeted(session, app.id, org) if targeted is None else targeted):
        raise Forbidden(f"{app.title} is not published to {org.name} ({org.ods}).")
    refuse_if_retired(app)
    definition = app_definition(session, app, period)
    workflow = Workflow(definition.workflow)
    period = check_period(definition, period)
    ensure_period_open(session, app.id, org, period)
    slot = period_slot(definition.period, period)
    ensure_slot_free(session, app.id, org, slot)
    data, step_problems = keep_step_values(workflow, definition.schema, {}, data)
    data = _checked(
        session,
        Write(app.id, org, definition, data, None),
        submit,
        [*input_issues, *step_problems],
    )
    direct = direct_submit(definition, workflow, data, slot) if submit else None
    if direct is not None:  # nothing would see the draft: stored submitted at once
        return create_submitted(
            session, app, org, (definition, workflow, direct), data, actor, period, notify_base_url
        )
    record = new_record(
        app,
        org,
        definition,
        data,
        status=workflow.initial,
        actor=actor,
        period=period,
        slot=slot,
        now=datetime.now(UTC),
    )
    if slot is None:  # no period slot another request could take: no savepoint needed
        session.add(record)
        session.flush()
    else:
        claim_slot(session, record)
    keep_up(session, record, definition)
    created = audit_row(record, actor, "create", created_changes(data))
    if not submit:
        write_audit_rows(session, [created])
    if notify_base_url is not None:  # the definition's notifications "on": "created"
        notify_record_event(session, record, ["created"], actor, notify_base_url)
    send_on_events(session, record, definition, ["created"], actor, notify_base_url)
    if submit:  # the "create" entry goes in with the submit step's, in one statement
        submit_step(
            session,
            record,
            definition,
            workflow,
            actor,
            notify_base_url,
            earlier_audit=[created],
        )
    return record


def update_record(
    session: Session,
    access: Access,
    record: Record,
    data: Any,
    *,
    expected_version: int,
    actor: User | None,
    submit: bool = False,
    notify_base_url: str | None = None,
    input_issues: Sequence[Issue] = (),
) -> Record:
    """Replace a record's data if nobody changed it since ``expected_version``.

    Past the initial state (a state declared ``editable``) the data is always validated
    fully and ``submit`` has nothing left to do. Authorisation first (403), then the
    period's lock, the version and the state (409)."""
    app = session.get(App, record.app_id)
    access.require(WRITE, record.organisation, app)
    ensure_period_open(session, record.app_id, record.organisation, record.period)
    if record.version != expected_version:
        raise StaleRecord(record.version)
    definition = record_definition(session, record)
    workflow = Workflow(definition.workflow)
    if not workflow.is_editable(record.status):
        raise NotEditable(
            f"This record is {workflow.title(record.status).lower()} and can no longer be edited."
        )
    submitted = record.status != workflow.initial
    # Step fields are filled in by taking their step: their stored values stay.
    data, step_problems = keep_step_values(workflow, definition.schema, record.data, data)
    data = _checked(
        session,
        Write(record.app_id, record.organisation, definition, data, record),
        submit or submitted,
        [*input_issues, *step_problems],
    )
    old = record.data
    if data != old:
        record.data = data
        record.updated_by_id = actor.id if actor else None
        record.updated_at = datetime.now(UTC)
        flush_or_conflict(session, record)
        keep_up(session, record, definition)
        audit_change(session, record, actor, "update", old, data)
        touch_items(session, record)
    if submit and not submitted:
        submit_step(session, record, definition, workflow, actor, notify_base_url)
    return record


def apply_transition(
    session: Session,
    access: Access,
    record: Record,
    action: str,
    *,
    comment: str | None,
    actor: User | None,
    notify_base_url: str | None = None,
    data: dict[str, Any] | None = None,
) -> Record:
    """Take a workflow action; 403 before 409 before 422: the caller must be allowed to
    act at all, then the step must be possible now (the period open, the move allowed
    from the record's state), then what was sent must be complete.

    ``data``: values of the fields the step fills in (its ``fields``), merged into the
    record's data, checked as submitted and audited as an "update" by ``actor`` before
    the move (:func:`fill_step_fields`); no write permission on the record is needed.
    Refused with :class:`DataInvalid` (nothing changed) when a key is not one of the
    step's fields (at ``/data/<key>``), a value is wrong, or the transition needs a
    comment or fields (``requires_fields``) that are missing, each at its pointer."""
    app = session.get(App, record.app_id)
    definition = record_definition(session, record)
    workflow = Workflow(definition.workflow)
    if not access.can_see_record(record, app):
        raise Forbidden("You may not act on this record.")
    known = {t.action: t for t in workflow.transitions}
    if action not in known:
        # Whether the action exists is said only to someone who may act here at all.
        if not any(may_take(access, record, app, t) for t in workflow.transitions):
            raise Forbidden("You may not act on this record.")
        raise TransitionNotAllowed(
            f"{action!r} is not an action of this app",
            [t.action for t in workflow.from_state(record.status, record.data)],
        )
    transition = workflow.find(record.status, action, record.data) or known[action]
    if not may_take(access, record, app, transition):
        raise Forbidden(refusal(access, record, app, transition))
    if is_own_approval(session, access, record, workflow, transition):
        raise Forbidden(own_approval_message(transition))
    ensure_period_open(session, record.app_id, record.organisation, record.period)
    possible = workflow.find(record.status, action, record.data)
    if possible is not None and (data or possible.fields):
        fill_step_fields(
            session, record, definition, workflow, possible, data or {}, actor, comment
        )
    submit = workflow.submit_action(record.data)
    if submit is not None and action == submit.action and record.status == workflow.initial:
        checked = check_record(
            definition, record.data, submit=True, stored=record.data
        ).data_or_raise()
        if checked != record.data:  # values hidden by a condition go on submit
            old, record.data = record.data, checked
            audit_change(session, record, actor, "update", old, checked)
    take_step(
        session,
        record,
        definition,
        workflow,
        action,
        actor,
        comment,
        notify_base_url,
        acting_for=access.stakeholder_org_ids,
    )
    return record


def _checked(
    session: Session, write: Write, submit: bool, input_issues: Sequence[Issue]
) -> dict[str, Any]:
    """The data to store, or every problem at once (the entry point's, then the data's,
    then those only stored rows show, such as a second log for one fridge and day)."""
    stored = write.record.data if write.record is not None else None
    check = check_record(write.definition, write.data, submit=submit, stored=stored)
    if input_issues or not check.ok:
        raise DataInvalid([*input_issues, *check.issues])
    raise_stored_issues(session, replace(write, data=check.data))
    return check.data


def allowed_actions(access: Access, session: Session, record: Record) -> list[Transition]:
    """Transitions the user may take on the record now (for buttons): the checks
    :func:`apply_transition` makes, separation of duties included."""
    app = session.get(App, record.app_id)
    workflow = Workflow(record_definition(session, record).workflow)
    return [
        t
        for t in workflow.from_state(record.status, record.data)
        if may_take(access, record, app, t)
        and not is_own_approval(session, access, record, workflow, t)
    ]


def count_records(session: Session, app_id: str) -> int:
    return session.scalar(select(func.count()).where(Record.app_id == app_id)) or 0
