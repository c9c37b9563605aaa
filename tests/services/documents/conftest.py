"""Fixtures of the document library tests: the library published, its people."""

from __future__ import annotations

import pytest
from miniapps.models import App, Organisation, User
from sqlalchemy.orm import Session

from tests.documents_setup import People, make_people, publish_library


@pytest.fixture
def people(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> People:
    return make_people(db_session, orgs, users)


@pytest.fixture
def policies(db_session: Session, orgs: dict[str, Organisation], people: People) -> App:
    return publish_library(db_session, orgs)
