"""The ``daily_digest`` job: each digest user's held notifications in one email a day.

Runs hourly; from ``DIGEST_HOUR`` o'clock (in ``DIGEST_TIMEZONE``, default 07:00 UK time)
it queues the day's digests, once each (see :mod:`miniapps.services.notifications.digests`). Before
that hour it makes up yesterday's digest if the scheduler was down when it was due.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.exc import OperationalError

from miniapps.db import db
from miniapps.services.notifications.digests import DigestReport, digest_day, queue_digests

log = logging.getLogger(__name__)

ATTEMPTS = 5


def daily_digest(app: Flask, now: datetime) -> DigestReport:
    """The scheduler job: queue the digests due at ``now`` (one transaction, idempotent;
    a busy database means "try again", and the retry sees what another run queued)."""
    day = digest_day(now, int(app.config["DIGEST_HOUR"]), ZoneInfo(app.config["DIGEST_TIMEZONE"]))
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.transaction(app) as session:
                return queue_digests(session, now, day=day, base_url=str(app.config["BASE_URL"]))
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("daily digest: database busy (%s); retrying", exc.orig)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
