"""Notifications about records: who is told, what the email says, queued in the outbox.

Emails go through the same permission filter as pages: a recipient who may not see the
record is skipped. They carry only what identifies the record (app, organisation,
period, status) and a link, never record data or comments: the details stay behind
sign-in. Each email goes to the outbox, or waits for the recipient's daily digest if
they chose one (:mod:`miniapps.services.notifications.digests`). The definition's ``notifications``
are acted on here too (:func:`notify_record_event`). Everything here flushes only; the
caller's boundary commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.message_templates import render_messages
from miniapps.core.forms.condition_language import matches
from miniapps.core.workflow import Transition, Workflow
from miniapps.models import App, HeldNotification, Organisation, OutboxMessage, Record, User
from miniapps.services.definitions import record_definition
from miniapps.services.notifications.addressees import Addressee, as_user
from miniapps.services.notifications.digests import route
from miniapps.services.notifications.email_context import event_context, step_context
from miniapps.services.notifications.outbox import Batch, render_email
from miniapps.services.notifications.recipients import (
    SUBMITTER,
    RoleHolders,
    recipients_for,
    role_holders,
)
from miniapps.services.permissions import ROLE_ACTIONS, Access

# SUBMITTER and recipients_for live in .recipients, event_context and step_context in
# .email_context; callers have always found them here.
__all__ = [
    "SUBMITTER",
    "URGENT_TEMPLATES",
    "event_context",
    "notification_entries",
    "notify_record_event",
    "notify_transition",
    "queue_notification",
    "recipients_for",
    "record_context",
    "step_context",
]
# Emails that never wait for a digest: anything about an overdue return (reminders after
# the due date, escalations to the PCN manager, a manager's chase). Callers may also pass
# ``urgent=True`` (e.g. safeguarding).
URGENT_TEMPLATES = frozenset({"return_overdue", "return_chase"})


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
    recipients: Iterable[Addressee],
    context: Mapping[str, Any],
    record: Record | None = None,
    dedupe_key: str | None = None,
    app_id: str | None = None,
    organisation: Organisation | None = None,
    urgent: bool | None = None,
    message_templates: Sequence[tuple[str, str]] = (),
    deliveries: Mapping[int, str] | None = None,
    seeing: Collection[int] = (),
    batch: Batch | None = None,
) -> list[OutboxMessage | HeldNotification]:
    """Send ``email/<template_name>`` to each recipient, in the caller's transaction: to the
    outbox, or held for their daily digest (see :mod:`miniapps.services.notifications.digests`).

    With ``record``, recipients who may not see it are skipped. ``dedupe_key`` (for
    scheduled reminders) is made per recipient: ``<dedupe_key>:user:<id>``, so a second
    run, or a racing scheduler, queues nothing more. ``urgent`` (default: the templates in
    :data:`URGENT_TEMPLATES`) bypasses digests. ``message_templates`` are a definition's
    ``(template, event)`` texts, rendered per recipient into ``message``/``message_html``;
    one that fails is left out (logged), never blocking what caused the email.
    ``deliveries``: recipients' deliveries already read (:func:`recipients_for`); the
    others' are read when routing. ``seeing``: recipients already known to see ``record``
    (:meth:`RoleHolders.seeing`); the others' access is worked out from their memberships.

    Emails sent now go to the outbox in one statement at the end (:class:`Batch`); with
    ``batch`` they join the caller's, which the caller writes (several calls, one insert).
    """
    app = session.get(App, record.app_id) if record is not None else None
    if record is not None:
        app_id = app_id or record.app_id
        organisation = organisation or record.organisation
    urgent = template_name in URGENT_TEMPLATES if urgent is None else urgent
    emails = batch if batch is not None else Batch()
    queued: list[OutboxMessage | HeldNotification] = []
    for user in recipients:
        if not user.active or not user.email:
            continue
        if (
            record is not None
            and user.id not in seeing
            and not Access(as_user(session, user)).can_see_record(record, app)
        ):
            continue
        text, html = render_messages(message_templates, context, user.name)
        email = render_email(
            template_name,
            **{**context, "recipient_name": user.name, "message": text, "message_html": html},
        )
        routed = route(
            session,
            user,
            email,
            url=str(context.get("url") or ""),
            urgent=urgent,
            app_id=app_id,
            record=record,
            organisation=organisation,
            message=text,
            dedupe_key=f"{dedupe_key}:user:{user.id}" if dedupe_key else None,
            delivery=(deliveries or {}).get(user.id),
            batch=emails,
        )
        if routed is not None:
            queued.append(routed)
    if batch is None:
        emails.write(session)
    return queued


def notify_record_event(
    session: Session,
    record: Record,
    events: Sequence[str],
    actor: User | None,
    base_url: str,
    *,
    skip: Iterable[int] = (),
    extra: Mapping[str, Any] | None = None,
    holders: RoleHolders | None = None,
    batch: Batch | None = None,
    entries: Sequence[dict[str, Any]] | None = None,
) -> set[int]:
    """Act on the definition's ``notifications`` matching ``events`` (one occurrence: a
    transition is ``action:<a>``, ``state:<s>`` and maybe ``submitted``). Each recipient
    gets one ``record_event`` email with every matching entry's message; returns their ids.
    ``skip``: users already told of this occurrence another way; ``extra``: more for the
    email's context (a workflow step's :func:`step_context`); ``holders``: the role
    holders already read for this occurrence (else read here, once for every entry);
    ``batch``: the caller's emails, which it writes (see :func:`queue_notification`);
    ``entries``: :func:`notification_entries` for ``events``, when already worked out."""
    if entries is None:
        entries = notification_entries(session, record, events)
    if not entries:
        return set()
    roles = {role for entry in entries for role in entry["to"] if role != SUBMITTER}
    if holders is None or not holders.covers(roles):
        holders = role_holders(session, record, roles)
    seeing = holders.seeing(record, session.get(App, record.app_id))
    skipped = set(skip)
    per_user: dict[int, tuple[Addressee, list[tuple[str, str]]]] = {}
    for entry in entries:
        for user in recipients_for(session, record, entry["to"], exclude=actor, holders=holders):
            if user.id in skipped:
                continue
            _, texts = per_user.setdefault(user.id, (user, []))
            if entry.get("template"):
                texts.append((entry["template"], entry["on"]))
    context = {
        **event_context(events[0]),
        **record_context(session, record, base_url=base_url, actor=actor),
        **(extra or {}),
    }
    # One urgent entry makes the email urgent: never held for a daily digest.
    urgent = any(entry.get("urgent") for entry in entries) or None
    told: set[int] = set()
    emails = batch if batch is not None else Batch()
    for user, texts in per_user.values():
        queued = queue_notification(
            session,
            "record_event",
            recipients=[user],
            context=context,
            record=record,
            message_templates=texts,
            urgent=urgent,
            deliveries=holders.deliveries,
            seeing=seeing,
            batch=emails,
        )
        told.update(user.id for _ in queued[:1])
    if batch is None:
        emails.write(session)
    return told


def notification_entries(
    session: Session, record: Record, events: Sequence[str]
) -> list[dict[str, Any]]:
    """The definition's ``notifications`` entries for ``events`` that apply to the record
    (an entry with ``when`` is for records whose data matches it: a fridge excursion)."""
    definition = record_definition(session, record)
    return [
        n
        for n in definition.notifications or []
        if n.get("on") in events and ("when" not in n or matches(n["when"], record.data))
    ]


def notify_transition(
    session: Session,
    record: Record,
    workflow: Workflow,
    transition: Transition,
    old_status: str,
    actor: User | None,
    base_url: str,
    *,
    commented: bool = False,
) -> list[OutboxMessage | HeldNotification]:
    """The emails one workflow step sends, queued in the step's transaction; with
    ``commented`` they say that the step came with a comment, and by whom.

    The definition's ``notifications`` for this step (``action:``, ``state:``,
    ``submitted``) come first; everyone else concerned gets the built-in email: a
    transition's declared ``notify`` list wins; otherwise a submission tells whoever may
    take the next step, and any later step tells the submitter.
    """
    is_submission = workflow.is_submission(transition, old_status)
    step = step_context(transition, actor, commented)
    if transition.notify is not None:
        roles = list(transition.notify)
    elif is_submission:
        roles = sorted({role for t in workflow.from_state(record.status) for role in _roles_of(t)})
    else:
        roles = [SUBMITTER]
    events = workflow.step_events(transition, old_status)
    # Everyone either email may go to, read once for both.
    entries = notification_entries(session, record, events)
    holders = role_holders(session, record, [*roles, *(r for e in entries for r in e["to"])])
    emails = Batch()  # both emails' messages, written in one statement
    told = notify_record_event(
        session,
        record,
        events,
        actor,
        base_url,
        extra=step,
        holders=holders,
        batch=emails,
        entries=entries,
    )
    recipients = [
        user
        for user in recipients_for(session, record, roles, exclude=actor, holders=holders)
        if user.id not in told
    ]
    queued: list[OutboxMessage | HeldNotification] = []
    if recipients:
        context = {**record_context(session, record, base_url=base_url, actor=actor), **step}
        template = "record_submitted" if is_submission else "record_status_changed"
        queued = queue_notification(
            session,
            template,
            record=record,
            context=context,
            recipients=recipients,
            deliveries=holders.deliveries,
            seeing=holders.seeing(record, session.get(App, record.app_id)),
            batch=emails,
        )
    emails.write(session)
    return queued


def _roles_of(transition: Transition) -> set[str]:
    """Provider roles that may take a transition: those it names, else those with its
    permission. None for a stakeholder-side step: the channel tells the stakeholder."""
    if transition.side == "stakeholder":
        return set()
    if transition.roles is not None:
        return set(transition.roles) - {"platform_admin"}
    return {
        role
        for role, actions in ROLE_ACTIONS.items()
        if transition.permission in actions and role != "platform_admin"
    }


def _workflow(session: Session, record: Record) -> Workflow:
    return Workflow(record_definition(session, record).workflow)
