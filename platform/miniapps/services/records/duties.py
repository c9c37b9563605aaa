"""Who may take a workflow step: the roles or permission it needs (a practice's return is
reviewed by the level above) and separation of duties (its author does not approve it).

The author is whoever submitted the record (took the action that last moved it out of
the workflow's initial state) or last changed its data (created it, or saved new
answers), read from the audit trail. A transition needing the ``approve`` permission is
not theirs to take unless it declares ``"self_approval": true``.

Steps belong to a side: the provider that wrote the record (the default), a stakeholder
holding it as a channel item, or the organisation the record is about (``"side":
"subject"``: the practice a peer review audited answers it), taken by whoever may write
there.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import STAKEHOLDER
from miniapps.core.workflow import Transition, Workflow
from miniapps.models import App, AuditEntry, Record
from miniapps.services.permissions import APPROVE, WRITE, Access

DATA_ACTIONS = frozenset({"create", "update"})
SUBJECT = "subject"


def record_authors(session: Session, record: Record, workflow: Workflow) -> set[int]:
    """Ids of who last submitted ``record`` and who last changed its data (one or two
    people; none for records made by the platform itself)."""
    submit_actions = {t.action for t in workflow.from_state(workflow.initial)}
    entries = session.execute(
        select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.record_id == record.id)
        .order_by(AuditEntry.id.desc())
    )
    submitter: int | None = None
    changer: int | None = None
    found_submit = found_change = False
    for action, actor_id in entries:
        if not found_submit and action in submit_actions:
            submitter, found_submit = actor_id, True
        if not found_change and action in DATA_ACTIONS:
            changer, found_change = actor_id, True
        if found_submit and found_change:
            break
    return {a for a in (submitter, changer) if a is not None}


def is_own_approval(
    session: Session, access: Access, record: Record, workflow: Workflow, transition: Transition
) -> bool:
    """Whether ``transition`` is an approval that ``access``'s user may not take because
    they submitted ``record`` or last changed its data."""
    if not transition.separates_duties or access.user is None:
        return False
    return access.user.id in record_authors(session, record, workflow)


def own_approval_message(transition: Transition) -> str:
    """Why the author may not take ``transition``, in plain words."""
    return (
        f"Someone else must {transition.title[:1].lower()}{transition.title[1:]}: you "
        "submitted this record or last changed its answers, and a second person checks it."
    )


def may_take(access: Access, record: Record, app: App | None, transition: Transition) -> bool:
    """Stakeholder-side steps: users of a stakeholder organisation holding the record as
    a channel item, only. Provider-side ones (the default): the transition's permission
    (a practice's periodic return is approved or returned by the level above it), or the
    roles it names."""
    if transition.side == STAKEHOLDER:
        return access.holds_item(record)
    if transition.side == SUBJECT:
        subject = record.subject
        return subject is not None and access.can(WRITE, subject, app)
    if transition.roles is None:
        org = record.organisation
        if transition.permission == APPROVE and org.type == "practice" and record.period:
            return access.can_from_above(APPROVE, org, app)
        return access.can(transition.permission, org, app)
    held = access.roles_at(record.organisation)
    return access.sees_as_provider(record, app) and bool(
        held & (set(transition.roles) | {"platform_admin"})
    )


def refusal(access: Access, record: Record, app: App | None, transition: Transition) -> str:
    org = record.organisation
    action = transition.title.lower()
    if transition.side == STAKEHOLDER:
        return (
            f"Only the stakeholder side can {action}: a stakeholder organisation that "
            "received this record through a channel."
        )
    if transition.side == SUBJECT:
        subject = record.subject
        about = f"{subject.name} ({subject.ods})" if subject is not None else "no organisation"
        return (
            f"Only the subject side can {action}: {about}, the organisation this record is about."
        )
    if access.holds_item(record) and not access.sees_as_provider(record, app):
        return (
            f"Only the provider side can {action}: {org.name} ({org.ods}), which sent this record."
        )
    if access.sees_as_subject(record, app) and not access.sees_as_provider(record, app):
        return (
            f"Only the provider side can {action}: {org.name} ({org.ods}), which wrote this record."
        )
    if transition.permission == APPROVE and access.can(APPROVE, org, app):
        return (
            f"The level above reviews {org.name}'s returns: someone there (the PCN manager) "
            f"must {transition.title.lower()} it."
        )
    return f"You may not {transition.title.lower()} this record."
