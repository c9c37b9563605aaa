"""The email outbox: queue in the caller's transaction, render templates, deliver by SMTP.

A message is queued with the change that caused it (flush only), so it exists if and only
if that change commits. :func:`deliver_due` runs outside any request (the scheduler): it
claims due messages, sends them and records every attempt; a failure is retried with
exponential backoff and, after ``max_attempts``, marked failed.

A sender killed mid-batch leaves its claimed messages to the next sender once the claim
runs out: :func:`claim_hold`, twice the longest one delivery attempt can take under
``SMTP_TIMEOUT`` (two minutes by default), so a restarted scheduler sends them promptly.
A sender never starts a message after the first half of its claim, so a claim cannot run
out (and another sender take the message) while it is being sent. Delivery is at least
once only in one place: a process killed between the SMTP server accepting a message and
its recording as sent sends it again (with the same Message-ID, so mail clients fold it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape
from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapps.db_direct import insert_rows
from miniapps.models import DeliveryAttempt, OutboxMessage
from miniapps.services.claims import claim_due, too_late_to_start, unclaim
from miniapps.services.notifications.addressees import Addressee
from miniapps.services.notifications.smtp import SmtpConfig, SmtpConnection

# One attempt is at most connect, EHLO, MAIL, RCPT, DATA and the message, each bounded
# by SMTP_TIMEOUT (STARTTLS and AUTH, on a new connection only, are rare enough).
ATTEMPT_ROUND_TRIPS = 6
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
OUTBOX_MESSAGES = cast(Table, OutboxMessage.__table__)
# What a batched message sets; the table's defaults fill in the rest (queued, now).
_BATCH_COLUMNS = ("to_address", "to_user_id", "subject", "body_text", "body_html")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def queue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    user: Addressee | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Add an email to the outbox in the caller's transaction (flush only).

    Returns None, queuing nothing, when a message with ``dedupe_key`` already exists,
    including one another transaction committed a moment ago.
    """
    if dedupe_key is not None and session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    message = outbox_message(to=to, subject=subject, text=text, html=html, user=user)
    message.dedupe_key = dedupe_key
    if dedupe_key is None:
        session.add(message)
        session.flush()
        return message
    try:
        with session.begin_nested():  # a lost race undoes this insert, not the caller's work
            session.add(message)
            session.flush()
    except IntegrityError:
        return None
    return message


def outbox_message(
    *, to: str, subject: str, text: str, html: str | None = None, user: Addressee | None = None
) -> OutboxMessage:
    """An outbox message, not added to any session (:func:`queue_email`, :class:`Batch`)."""
    return OutboxMessage(
        to_address=to.strip(),
        to_user_id=user.id if user is not None else None,
        subject=" ".join(subject.split())[:300],  # one line: no header injection
        body_text=text,
        body_html=html,
    )


@dataclass
class Batch:
    """Emails of one change, written to the outbox together by :meth:`write`: one
    statement however many people are told (the ORM would insert them one by one, to
    read back each id). Its messages stay out of the session, their ``id`` unread: they
    say what was queued (to count, to read), they are not there to be changed."""

    messages: list[OutboxMessage] = field(default_factory=list)

    def add(self, message: OutboxMessage) -> OutboxMessage:
        self.messages.append(message)
        return message

    def write(self, session: Session) -> None:
        """Insert the messages added since the last write, in the caller's transaction."""
        if self.messages:
            rows = [{key: getattr(m, key) for key in _BATCH_COLUMNS} for m in self.messages]
            insert_rows(session, OUTBOX_MESSAGES, rows)
            self.messages = []


@cache
def _email_templates() -> Environment:
    return Environment(
        loader=PackageLoader("miniapps", "templates/email"),
        autoescape=select_autoescape(["html"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # package files: not looked at (stat) again on every email
    )


def render_email(template_name: str, **context: Any) -> RenderedEmail:
    """Render ``email/<name>.txt`` (which sets ``subject``) and, if present, ``<name>.html``.

    The HTML part is autoescaped; the text part is plain text and is not.
    """
    env = _email_templates()
    module = env.get_template(f"{template_name}.txt").make_module(context)
    subject = str(getattr(module, "subject", "")).strip()
    if not subject:
        raise ValueError(f"email/{template_name}.txt must {{% set subject = ... %}}")
    try:
        html: str | None = env.get_template(f"{template_name}.html").render(context)
    except TemplateNotFound:
        html = None
    return RenderedEmail(subject=subject, text=str(module), html=html)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the ``attempts``-th failure, at most an hour."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(RETRY_BASE * factor, RETRY_CAP)


def deliver_due(
    session_factory: Callable[[], Session],
    smtp_config: SmtpConfig,
    now: datetime,
    *,
    max_attempts: int = 8,
    batch_size: int = 50,
) -> DeliveryReport:
    """Send the queued messages due at ``now``; never raises for an SMTP problem.

    Each message is claimed first (one short transaction), so concurrent senders never
    send the same message; no database transaction stays open while talking to SMTP.
    """
    now = _as_utc(now)
    report = DeliveryReport()
    if not smtp_config.host:
        return report  # not configured: keep everything queued
    hold = claim_hold(smtp_config)
    with SmtpConnection(smtp_config) as smtp:
        # Batch after batch until none is due: a processed message is never due again at
        # ``now`` (sent, failed, or retried at least a minute later), so this ends.
        while claimed := claim_due(session_factory, OutboxMessage, now, batch_size, hold):
            started = time.monotonic()
            for index, message_id in enumerate(claimed):
                if too_late_to_start(started, time.monotonic(), hold):
                    unclaim(session_factory, OutboxMessage, claimed[index:], now, now + hold)
                    return report
                email = _load(session_factory, message_id, smtp_config)
                if email is None:
                    continue
                error, permanent = smtp.send(email)
                outcome = _record(session_factory, message_id, now, error, permanent, max_attempts)
                setattr(report, outcome, getattr(report, outcome) + 1)
            if smtp.unreachable or len(claimed) < batch_size:
                break
    return report


def claim_hold(config: SmtpConfig) -> timedelta:
    """How long a claimed message is left to its sender: twice the longest attempt."""
    return timedelta(seconds=2 * ATTEMPT_ROUND_TRIPS * config.timeout)


def _load(
    session_factory: Callable[[], Session], message_id: int, config: SmtpConfig
) -> EmailMessage | None:
    with session_factory() as session:
        message = session.get(OutboxMessage, message_id)
        return build_email(message, config.mail_from) if message is not None else None


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(_as_utc(message.created_at))
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    # Stable across retries, so a message re-sent after a crash is recognisably the same.
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _record(
    session_factory: Callable[[], Session],
    message_id: int,
    now: datetime,
    error: str | None,
    permanent: bool,
    max_attempts: int,
) -> str:
    """Write the attempt and the message's new state; return the report field to count."""
    this = OutboxMessage.id == message_id
    with session_factory() as session, session.begin():
        # Write first: on SQLite a transaction that reads before writing cannot wait for
        # the lock (its snapshot may be stale); one that writes first can.
        attempts = session.scalar(
            update(OutboxMessage)
            .where(this)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error)
            .returning(OutboxMessage.attempts)
            .execution_options(synchronize_session=False)
        )
        assert attempts is not None
        session.add(DeliveryAttempt(message_id=message_id, at=now, ok=error is None, error=error))
        if error is None:
            outcome, changes = "sent", {"status": "sent", "sent_at": now}
        elif permanent or attempts >= max_attempts:
            outcome, changes = "failed", {"status": "failed"}
        else:
            outcome, changes = "retrying", {"next_attempt_at": now + retry_delay(attempts)}
        session.execute(
            update(OutboxMessage)
            .where(this)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        return outcome


def _as_utc(moment: datetime) -> datetime:
    """UTC-aware; SQLite hands back naive datetimes, which are UTC here."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
