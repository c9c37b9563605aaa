"""One transaction for a scheduled job, tried again while the database is busy.

SQLite refuses a reading transaction's first write while another scheduler's is
committing: that means "try again". Jobs are idempotent, so the retry sees what the
other run did and adds nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from miniapps.db import db

log = logging.getLogger(__name__)

ATTEMPTS = 5
T = TypeVar("T")


def in_one_transaction(app: Flask, label: str, work: Callable[[Session], T]) -> T:
    """``work(session)`` in one committed transaction, up to :data:`ATTEMPTS` times."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.transaction(app) as session:
                return work(session)
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("%s: database busy (%s); retrying", label, exc.orig)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
