"""The ``channel_sla`` job: mark channel items whose SLA clocks ran out and escalate them,
every 30 seconds, so a breach is marked within a minute of its deadline.

What counts as a breach, who is told and when it escalates is
:mod:`miniapps.services.channels.breaches`; this wraps it in the job's one transaction.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import OperationalError

from miniapps.db import db
from miniapps.services.channels.breaches import BreachReport, mark_breaches

log = logging.getLogger(__name__)

ATTEMPTS = 5


def channel_sla(app: Flask, now: datetime) -> BreachReport:
    """The scheduler job: mark and escalate every breach due at ``now`` (one transaction).

    A busy database (SQLite refuses a reading transaction's first write while another
    scheduler's is committing) means "try again": the run is idempotent, and the retry
    sees what the other one marked.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.transaction(app) as session:
                return mark_breaches(session, now, base_url=str(app.config["BASE_URL"]))
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("channel SLA: database busy (%s); retrying", exc.orig)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
