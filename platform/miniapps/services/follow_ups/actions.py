"""Making and closing follow-up actions.

:func:`make_follow_ups` runs when a record is submitted (the step that takes it out of
its initial state, :func:`miniapps.services.records.steps.take_step`): every item of the
definition's ``follow_ups`` section that matches ``where`` becomes one action, once per
(record, item). Submitting again (after the record was returned for changes) adds the
items newly failed and brings the title, owner and due date of the still open ones up to
date; an action already done stays as it was closed.

:func:`close_follow_up` marks an action done, with a note saying what was done, for a
user who may write at the action's organisation; it is written to the record's audit
trail ("Action done"), never silently. Everything here flushes only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue, MiniappsError
from miniapps.core.pointers import pointer_join
from miniapps.core.records.follow_up_items import follow_up_items
from miniapps.models import App, Record, User
from miniapps.models.follow_up import FollowUp
from miniapps.services.definitions import record_definition
from miniapps.services.permissions import READ, WRITE, Access, Forbidden
from miniapps.services.records.audit import audit_entry

CLOSED_ACTION = "action_done"  # the audit entry's action: "Action done" in the history
NOTE_LIMIT = 2000


class FollowUpNotFound(MiniappsError):
    code = "not_found"
    kind = "not_found"


class FollowUpDone(MiniappsError):
    code = "action_done"
    kind = "conflict"


def make_follow_ups(session: Session, record: Record, definition: AppDefinition) -> list[FollowUp]:
    """The record's actions after its submission (made or brought up to date); [] for an
    app without ``follow_ups``."""
    spec = definition.follow_ups
    if spec is None:
        return []
    fields = {f.pointer: f for f in definition.fields}
    items = follow_up_items(spec, record.data, fields, definition.schema)
    existing = {a.item_index: a for a in record_follow_ups(session, record)}
    org_id = record.subject_id or record.organisation_id
    for item in items:
        action = existing.get(item.index)
        if action is None:
            action = FollowUp(
                record_id=record.id,
                app_id=record.app_id,
                organisation_id=org_id,
                item_index=item.index,
                status="open",
            )
            session.add(action)
            existing[item.index] = action
        elif action.status != "open":
            continue
        action.title, action.owner, action.due = item.title, item.owner, item.due
    session.flush()
    return sorted(existing.values(), key=lambda a: a.item_index)


def record_follow_ups(session: Session, record: Record) -> list[FollowUp]:
    """The record's actions, by item."""
    query = select(FollowUp).where(FollowUp.record_id == record.id)
    return list(session.scalars(query.order_by(FollowUp.item_index)))


def visible_follow_up(session: Session, access: Access, action_id: int) -> FollowUp:
    """The action when the user may read at its organisation; else :class:`FollowUpNotFound`
    (never saying whether it exists)."""
    action = session.get(FollowUp, action_id)
    app = session.get(App, action.app_id) if action is not None else None
    if action is None or not access.can(READ, action.organisation, app):
        raise FollowUpNotFound("There is no such action, or you cannot see it.")
    return action


def close_follow_up(
    session: Session,
    access: Access,
    action: FollowUp,
    note: str,
    actor: User | None,
    now: datetime | None = None,
) -> FollowUp:
    """Mark ``action`` done with ``note`` (what was done), audited on its record.

    403 for a user who may not write at the action's organisation, then 409 when it is
    done already, then :class:`DataInvalid` at ``/note`` when the note is empty or long."""
    app = session.get(App, action.app_id)
    if not access.can(WRITE, action.organisation, app):
        org = action.organisation
        raise Forbidden(f"You may not close actions of {org.name} ({org.ods}).")
    if action.status == "done":
        when = action.done_at.strftime("%-d %B %Y") if action.done_at else "already"
        raise FollowUpDone(f"This action was marked done on {when}.")
    text = note.strip()
    if not text:
        raise DataInvalid(
            [Issue("/note", "Enter what was done to complete the action", "required")]
        )
    if len(text) > NOTE_LIMIT:
        message = f"The note must be {NOTE_LIMIT} characters or fewer"
        raise DataInvalid([Issue("/note", message, "too_long")])
    # Only an open action moves: of two people closing it at once, one wins.
    done = session.execute(
        update(FollowUp)
        .where(FollowUp.id == action.id, FollowUp.status == "open")
        .values(
            status="done",
            note=text,
            done_at=now or datetime.now(UTC),
            done_by_id=actor.id if actor is not None else None,
        )
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise FollowUpDone("This action was marked done a moment ago by someone else.")
    session.refresh(action)
    record = action.record
    spec = record_definition(session, record).follow_ups or {}
    item = pointer_join(str(spec.get("items") or "/items"), action.item_index)
    changes: list[dict[str, Any]] = [
        {"pointer": pointer_join(item, "action"), "old": "open", "new": "done"},
        {"pointer": pointer_join(item, "action_note"), "old": None, "new": text},
    ]
    audit_entry(session, record, actor, CLOSED_ACTION, changes)
    return action
