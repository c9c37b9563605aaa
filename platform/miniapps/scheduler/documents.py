"""The ``document_reminders`` job: reviews due in 60, 30 and 7 days and overdue, new
versions not adopted in time, and what people still have to read and sign, hourly.

What is sent, to whom and when is :mod:`miniapps.services.documents.reminders`; this
wraps it in the job's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.documents.reminders import (
    DocumentReminderReport,
    queue_document_reminders,
)


def document_reminders(app: Flask, now: datetime) -> DocumentReminderReport:
    """The scheduler job: queue every document reminder due at ``now``."""
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app,
        "document reminders",
        lambda session: queue_document_reminders(session, now, base_url=base_url),
    )
