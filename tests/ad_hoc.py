"""Ad hoc collection helpers shared by the service, API and page tests (plain functions).

The app is the demo's own short monthly return (``demo_data/care_home_readiness.json``),
published by a stakeholder user through :func:`miniapps.services.apps.publish`, as the
*Publish an app* page and ``POST /api/v1/apps`` do.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

DEMO_DATA = Path(__file__).resolve().parents[1] / "platform" / "miniapps" / "demo_data"
SINCE = date(2025, 1, 1)  # targeted from: the months after it are owed
PERIOD = "2025-03"


def readiness_definition(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((DEMO_DATA / "care_home_readiness.json").read_text())
    return {**raw, **changes}


READY = {"homes_aligned": 3, "homes_visited": 2, "outbreak_reported": False, "ipc_lead_named": True}


def publish_as(
    session: Session,
    user: User,
    targets: list[Organisation] | None = None,
    raw: dict[str, Any] | None = None,
) -> App:
    """Publish (committed) as ``user``, through their :class:`Access`."""
    published = app_service.publish(
        session,
        validate_definition(raw or readiness_definition()),
        targets,
        user,
        access=Access(user),
        targeted_from=SINCE,
    )
    session.commit()
    return published.app


def fill_in(
    session: Session,
    user: User,
    app: App,
    org: Organisation,
    period: str = PERIOD,
    *,
    submit: bool = True,
) -> Record:
    """A return of ``org`` for ``period``, filled in by ``user`` (committed)."""
    record = record_service.create_record(
        session, Access(user), app, org, dict(READY), period=period, submit=submit, actor=user
    )
    session.commit()
    return record
