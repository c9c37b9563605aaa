"""The incident_reporting app published to the test ICB (QWE), beside the channel
fixtures' stakeholder teams (tests/fixtures_channels.py): LAADULT and LAKIDS cover the
test Place, ICBQ the ICB, LAOTHER another ICB's Place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.models import App, Organisation, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.apps.incident_reporting.incident_data import definition
from tests.publishing import publish_app

Report = Callable[..., Record]


@pytest.fixture
def incident_app(db_session: Session, orgs: dict[str, Organisation], stakeholders) -> App:
    return publish_app(db_session, definition(), [orgs["QWE"]])


@pytest.fixture
def report(db_session: Session, orgs, users, incident_app: App) -> Report:
    """``report(data, ods="A00001", actor=None, submit=True)``: a record made by the
    practice's staff (committed), submitted unless ``submit=False``."""

    def make(
        data: dict[str, Any], ods: str = "A00001", actor: User | None = None, submit: bool = True
    ) -> Record:
        staff = actor or users["practice_staff"]
        record = record_service.create_record(
            db_session,
            Access(staff),
            incident_app,
            orgs[ods],
            data,
            submit=submit,
            actor=staff,
            notify_base_url="http://localhost",
        )
        db_session.commit()
        return record

    return make


@pytest.fixture
def heads(token, users, stakeholder_users) -> dict[str, dict[str, str]]:
    """API headers by user key: the ``users`` roles and the stakeholder teams' ODS codes."""
    everyone = {**users, **stakeholder_users}
    return {key: token(user) for key, user in everyone.items()}


@pytest.fixture
def act(client: FlaskClient) -> Callable[..., Any]:
    """``act(auth, record, action, comment=None, data=None)``: the API's transition call."""

    def take(
        auth: dict[str, str],
        record: Record,
        action: str,
        comment: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Any:
        body: dict[str, Any] = {"action": action}
        if comment is not None:
            body["comment"] = comment
        if data is not None:
            body["data"] = data
        return client.post(f"/api/v1/records/{record.id}/transitions", json=body, headers=auth)

    return take
