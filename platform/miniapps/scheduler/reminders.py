"""The ``return_reminders`` job: due-date reminders and overdue escalations, hourly.

What is sent, to whom and when is :mod:`miniapps.services.returns.reminders`; this wraps
it in the job's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.returns.reminders import ReminderReport, queue_reminders


def return_reminders(app: Flask, now: datetime) -> ReminderReport:
    """The scheduler job: queue every reminder due at ``now``."""
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app, "return reminders", lambda session: queue_reminders(session, now, base_url=base_url)
    )
