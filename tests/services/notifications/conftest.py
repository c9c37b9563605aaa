"""Shared set-up for the notification tests."""

from __future__ import annotations

import pytest
from miniapps.models import Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session


@pytest.fixture
def submitted_reading(db_session: Session, users, orgs, fridge_app) -> Record:
    """A fridge reading submitted by practice staff at A00001 (flushed, not committed)."""
    staff = users["practice_staff"]
    record = record_service.create_record(
        db_session,
        Access(staff),
        fridge_app,
        orgs["A00001"],
        {"reading": 9.5},
        submit=True,
        actor=staff,
    )
    db_session.flush()
    return record
