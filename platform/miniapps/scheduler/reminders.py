"""The ``return_reminders`` job: due-date reminders and overdue escalations, hourly.

What is sent, to whom and when is :mod:`miniapps.services.returns.reminders`; this wraps
it in the job's one transaction.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import OperationalError

from miniapps.db import db
from miniapps.services.returns.reminders import ReminderReport, queue_reminders

log = logging.getLogger(__name__)

ATTEMPTS = 5


def return_reminders(app: Flask, now: datetime) -> ReminderReport:
    """The scheduler job: queue every reminder due at ``now`` (one transaction).

    A busy database (SQLite refuses a reading transaction's first write while another
    scheduler's is committing) means "try again": the run is idempotent, and the retry
    sees what the other one queued.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.transaction(app) as session:
                return queue_reminders(session, now, base_url=str(app.config["BASE_URL"]))
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("return reminders: database busy (%s); retrying", exc.orig)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
