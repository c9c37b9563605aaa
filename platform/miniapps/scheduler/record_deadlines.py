"""The ``record_deadlines`` job: remind of record deadlines coming up and report those
overdue, hourly (:mod:`miniapps.services.records.deadline_reminders`), in one
transaction."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.records.deadline_reminders import DeadlineReport, chase_deadlines


def record_deadlines(app: Flask, now: datetime) -> DeadlineReport:
    """The scheduler job: queue every deadline email due at ``now``."""
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app, "record deadlines", lambda session: chase_deadlines(session, now, base_url=base_url)
    )
