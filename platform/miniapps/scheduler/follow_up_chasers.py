"""The ``follow_up_chasers`` job: chase overdue follow-up actions, hourly.

Who is chased, when and how often is :mod:`miniapps.services.follow_ups.chasers`; this
wraps it in the job's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.follow_ups.chasers import ChaserReport, queue_chasers


def follow_up_chasers(app: Flask, now: datetime) -> ChaserReport:
    """The scheduler job: chase every overdue action due a chaser at ``now``."""
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app, "follow-up chasers", lambda session: queue_chasers(session, now, base_url=base_url)
    )
