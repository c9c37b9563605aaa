"""The ``daily_digest`` job: each digest user's held notifications in one email a day.

Runs hourly; from ``DIGEST_HOUR`` o'clock (in ``DIGEST_TIMEZONE``, default 07:00 UK time)
it queues the day's digests, once each (see :mod:`miniapps.services.notifications.digests`). Before
that hour it makes up yesterday's digest if the scheduler was down when it was due.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from miniapps.scheduler.transactions import in_one_transaction
from miniapps.services.notifications.digests import DigestReport, digest_day, queue_digests


def daily_digest(app: Flask, now: datetime) -> DigestReport:
    """The scheduler job: queue the digests due at ``now`` (idempotent)."""
    day = digest_day(now, int(app.config["DIGEST_HOUR"]), ZoneInfo(app.config["DIGEST_TIMEZONE"]))
    base_url = str(app.config["BASE_URL"])
    return in_one_transaction(
        app,
        "daily digest",
        lambda session: queue_digests(session, now, day=day, base_url=base_url),
    )
