"""Notifications about records: who is told, what the email says, queued in the outbox.

Emails go through the same permission filter as pages: a recipient who may not see the
record is skipped. They carry only what identifies the record (app, organisation,
period, status) and a link, never record data or comments: the details stay behind
sign-in. Everything here flushes only; the caller's boundary commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from miniapps.core.workflow import Transition, Workflow
from miniapps.models import (
    App,
    AppVersion,
    AuditEntry,
    Membership,
    Organisation,
    OutboxMessage,
    Record,
    User,
)
from miniapps.services.outbox import queue_email, render_email
from miniapps.services.permissions import ROLE_ACTIONS, Access

SUBMITTER = "submitter"


def recipients_for(
    session: Session, record: Record, to: Sequence[str], *, exclude: User | None = None
) -> list[User]:
    """Active users holding one of the roles in ``to`` at the record's organisation or
    above it, plus the record's submitter when ``to`` names ``"submitter"``.

    ``exclude`` (usually whoever acted) is left out: nobody is emailed about their own act.
    """
    roles = [role for role in to if role != SUBMITTER]
    found: dict[int, User] = {}
    if roles:
        org_path = literal(record.organisation.path)
        query = (
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.role.in_(roles),
                User.active,
                org_path.startswith(Organisation.path),
            )
            .order_by(User.id)
        )
        found.update((user.id, user) for user in session.scalars(query))
    if SUBMITTER in to:
        submitter = _submitter(session, record)
        if submitter is not None and submitter.active:
            found.setdefault(submitter.id, submitter)
    if exclude is not None:
        found.pop(exclude.id, None)
    return list(found.values())


def record_context(
    session: Session, record: Record, *, base_url: str, actor: User | None = None
) -> dict[str, Any]:
    """What a record email may say about ``record``: identification and a link only."""
    app = session.get(App, record.app_id)
    workflow = _workflow(session, record)
    return {
        "app_title": app.title if app is not None else record.app_id,
        "org_name": record.organisation.name,
        "org_ods": record.organisation.ods,
        "period": record.period,
        "status_title": workflow.title(record.status),
        "actor_name": actor.name if actor is not None else None,
        "url": f"{base_url.rstrip('/')}/apps/{record.app_id}/records/{record.id}",
    }


def queue_notification(
    session: Session,
    template_name: str,
    *,
    recipients: Iterable[User],
    context: Mapping[str, Any],
    record: Record | None = None,
    dedupe_key: str | None = None,
) -> list[OutboxMessage]:
    """Queue ``email/<template_name>`` once per recipient, in the caller's transaction.

    With ``record``, recipients who may not see it are skipped. ``dedupe_key`` (for
    scheduled reminders) is made per recipient: ``<dedupe_key>:user:<id>``, so a second
    run, or a racing scheduler, queues nothing more.
    """
    app = session.get(App, record.app_id) if record is not None else None
    queued: list[OutboxMessage] = []
    for user in recipients:
        if not user.active or not user.email:
            continue
        if record is not None and not Access(user).can_see_record(record, app):
            continue
        email = render_email(template_name, recipient_name=user.name, **context)
        message = queue_email(
            session,
            to=user.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            user=user,
            dedupe_key=f"{dedupe_key}:user:{user.id}" if dedupe_key else None,
        )
        if message is not None:
            queued.append(message)
    return queued


def notify_transition(
    session: Session,
    record: Record,
    workflow: Workflow,
    transition: Transition,
    old_status: str,
    actor: User | None,
    base_url: str,
) -> list[OutboxMessage]:
    """The emails one workflow step sends, queued in the step's transaction.

    A transition's declared ``notify`` list wins. Otherwise a submission tells whoever may
    take the next step, and any later step tells the submitter.
    """
    submit = workflow.submit_action()
    is_submission = (
        submit is not None and transition.action == submit.action and old_status == workflow.initial
    )
    if transition.notify is not None:
        roles = list(transition.notify)
    elif is_submission:
        roles = sorted(
            {role for step in workflow.from_state(record.status) for role in _roles_of(step)}
        )
    else:
        roles = [SUBMITTER]
    recipients = recipients_for(session, record, roles, exclude=actor)
    if not recipients:
        return []
    context = record_context(session, record, base_url=base_url, actor=actor)
    template = "record_submitted" if is_submission else "record_status_changed"
    return queue_notification(
        session, template, record=record, context=context, recipients=recipients
    )


def _roles_of(transition: Transition) -> set[str]:
    """Roles that may take a transition: those it names, else those with its permission."""
    if transition.roles is not None:
        return set(transition.roles) - {"platform_admin"}
    return {
        role
        for role, actions in ROLE_ACTIONS.items()
        if transition.permission in actions and role != "platform_admin"
    }


def _workflow(session: Session, record: Record) -> Workflow:
    definition = session.scalar(
        select(AppVersion.definition).where(
            AppVersion.app_id == record.app_id, AppVersion.version == record.app_version
        )
    )
    return Workflow((definition or {}).get("workflow"))


def _submitter(session: Session, record: Record) -> User | None:
    """Whoever last took the submit action (the first one out of the initial state)."""
    submit = _workflow(session, record).submit_action()
    if submit is not None:
        actor_id = session.scalar(
            select(AuditEntry.actor_id)
            .where(AuditEntry.record_id == record.id, AuditEntry.action == submit.action)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        if actor_id is not None:
            return session.get(User, actor_id)
    return record.created_by
