"""Shared set-up for the notification tests."""

from __future__ import annotations

import pytest
from miniapps.models import Record
from sqlalchemy.orm import Session

from tests.conftest import submit_reading


@pytest.fixture
def submitted_reading(db_session: Session, users, orgs, fridge_app) -> Record:
    """A fridge reading submitted by practice staff at A00001 (flushed, not committed)."""
    record = submit_reading(db_session, users, orgs, fridge_app, 9.5)
    db_session.flush()
    return record
