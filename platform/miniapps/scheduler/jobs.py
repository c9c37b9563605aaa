"""The scheduler's jobs: a registry of ``name -> ScheduledJob``.

A job is a callable ``(app, now)`` run with an app context while this scheduler holds the
lease, every ``every`` (``SCHEDULER_JOB_SECONDS`` overrides per name). Jobs must be safe
to run again (a run missed during downtime runs once when the scheduler is back, and a
lease can change hands mid-run): make them idempotent, e.g. with outbox ``dedupe_key``.
Adding one is one entry here, e.g. ``"return_reminders": ScheduledJob(send_reminders,
timedelta(hours=1), "...")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask

from miniapps.db import db
from miniapps.scheduler.channel_sla import channel_sla
from miniapps.scheduler.digests import daily_digest
from miniapps.scheduler.documents import document_reminders
from miniapps.scheduler.follow_up_chasers import follow_up_chasers
from miniapps.scheduler.record_deadlines import record_deadlines
from miniapps.scheduler.reminders import return_reminders
from miniapps.services.channels import webhook_delivery
from miniapps.services.notifications.outbox import DeliveryReport, deliver_due
from miniapps.services.notifications.smtp import SmtpConfig


@dataclass(frozen=True)
class ScheduledJob:
    run: Callable[[Flask, datetime], object]
    every: timedelta
    description: str


def deliver_outbox(app: Flask, now: datetime) -> DeliveryReport:
    return deliver_due(
        lambda: db.new_session(app),
        SmtpConfig.from_config(app.config),
        now,
        max_attempts=int(app.config["OUTBOX_MAX_ATTEMPTS"]),
        batch_size=int(app.config["OUTBOX_BATCH_SIZE"]),
    )


def deliver_webhooks(app: Flask, now: datetime) -> webhook_delivery.WebhookReport:
    return webhook_delivery.deliver_due(
        lambda: db.new_session(app), webhook_delivery.WebhookConfig.from_config(app.config), now
    )


JOBS: dict[str, ScheduledJob] = {
    # Before "outbox", so one ``--once`` run also delivers what they queued.
    "return_reminders": ScheduledJob(
        return_reminders, timedelta(hours=1), "queue due-date reminders and overdue escalations"
    ),
    "daily_digest": ScheduledJob(
        daily_digest, timedelta(hours=1), "one email a day listing a digest user's notifications"
    ),
    "channel_sla": ScheduledJob(
        channel_sla, timedelta(seconds=30), "mark and escalate channel items past their SLA"
    ),
    "follow_up_chasers": ScheduledJob(
        follow_up_chasers, timedelta(hours=1), "chase overdue follow-up actions of audits"
    ),
    "record_deadlines": ScheduledJob(
        record_deadlines, timedelta(hours=1), "remind of record deadlines and report overdue ones"
    ),
    "document_reminders": ScheduledJob(
        document_reminders,
        timedelta(hours=1),
        "remind of document reviews, adoptions and read-and-sign",
    ),
    "outbox": ScheduledJob(deliver_outbox, timedelta(seconds=30), "send queued emails"),
    "webhooks": ScheduledJob(
        deliver_webhooks, timedelta(seconds=30), "post queued webhook deliveries, with retries"
    ),
}


def interval(app: Flask, name: str) -> timedelta:
    override = (app.config.get("SCHEDULER_JOB_SECONDS") or {}).get(name)
    return timedelta(seconds=float(override)) if override else JOBS[name].every
