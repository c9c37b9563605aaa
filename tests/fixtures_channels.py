"""Channel fixtures shared by every test folder: stakeholder organisations with a
category and an area, a user for each, and the safeguarding_concern example (a channel
app) published to the test ICB.

Areas: ``LAADULT`` (adult safeguarding) and ``LAKIDS`` (children's) cover the test Place
PLC01, ``ICBQ`` (ICB quality) the test ICB QWE; ``LAOTHER`` is an adult safeguarding
team of another ICB's Place, covering none of the test practices; ``LA001`` (from
``orgs``) has no parent and so covers nothing by category.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.models import App, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.publishing import publish_app

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "safeguarding_concern"
PASSWORD = "correct horse battery"  # the same as conftest's

STAKEHOLDERS = {
    # ods: (name, category, parent, user email)
    "LAADULT": ("Test Council Adult Safeguarding", "la_adult_safeguarding", "PLC01"),
    "LAKIDS": ("Test Council Children's Services", "la_children_safeguarding", "PLC01"),
    "ICBQ": ("Test ICB Quality Team", "icb_quality", "QWE"),
    "LAOTHER": ("Other Council Adult Safeguarding", "la_adult_safeguarding", "PLC99"),
}


def concern_definition() -> dict[str, Any]:
    return json.loads((EXAMPLE / "app.json").read_text())


@pytest.fixture
def stakeholders(db_session: Session, orgs: dict[str, Organisation]) -> dict[str, Organisation]:
    rows = [
        OrgRow("QXX", "Other ICB", "icb", None),
        OrgRow("PLC99", "Other Place", "place", "QXX"),
        *(
            OrgRow(ods, name, "stakeholder", parent, category=category)
            for ods, (name, category, parent) in STAKEHOLDERS.items()
        ),
    ]
    upsert_organisations(db_session, rows)
    db_session.commit()
    return {o.ods: o for o in db_session.query(Organisation).all()}


@pytest.fixture
def stakeholder_users(
    db_session: Session, stakeholders: dict[str, Organisation]
) -> dict[str, User]:
    """One stakeholder user per stakeholder organisation, keyed by its ODS code."""
    made = {
        ods: user_service.create_user(
            db_session,
            f"{ods.lower()}@example.gov.uk",
            f"{name} officer",
            PASSWORD,
            "stakeholder",
            stakeholders[ods],
        )
        for ods, (name, _, _) in STAKEHOLDERS.items()
    }
    db_session.commit()
    return made


@pytest.fixture
def concern_app(db_session: Session, orgs: dict[str, Organisation], stakeholders) -> App:
    """The safeguarding_concern example, published to the test ICB."""
    return publish_app(db_session, concern_definition(), [orgs["QWE"]])


@pytest.fixture
def send_concern(db_session: Session, orgs: dict[str, Organisation], users, concern_app: App):
    """``send_concern(kind="adult", ods="A00001", urgent=False)``: a concern sent by the
    practice's staff (committed), through the channel its kind selects."""

    def send(
        kind: str = "adult",
        ods: str = "A00001",
        urgent: bool = False,
        actor: User | None = None,
        base_url: str | None = "http://localhost",
    ) -> Record:
        staff = actor or users["practice_staff"]
        record = record_service.create_record(
            db_session,
            Access(staff),
            concern_app,
            orgs[ods],
            {"kind": kind, "summary": "Bruising seen at a home visit", "urgent": urgent},
            submit=True,
            actor=staff,
            notify_base_url=base_url,
        )
        db_session.commit()
        return record

    return send
