"""The ``channel_sla`` job: mark channel items whose SLA clocks ran out and escalate them,
every 30 seconds, so a breach is marked within a minute of its deadline.

What counts as a breach, who is told and when it escalates is
:mod:`miniapps.services.channels.breaches`; this wraps it in the job's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.channels.breaches import BreachReport, mark_breaches


def channel_sla(app: Flask, now: datetime) -> BreachReport:
    """The scheduler job: mark and escalate every breach due at ``now``."""
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app, "channel SLA", lambda session: mark_breaches(session, now, base_url=base_url)
    )
