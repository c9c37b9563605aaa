"""The bundled CQC definitions of issue 14's peer review, risk register and significant
events, published for tests (with the framework their ``evidence`` names loaded), risks
to seed, and a small app whose field links to a fridge reading (``x-record-of``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from miniapps.models import App, Organisation, Record
from miniapps.services.compliance.frameworks import load_framework
from sqlalchemy.orm import Session

from tests.publishing import publish_app

BUNDLE = Path(__file__).resolve().parents[1] / "apps" / "cqc_compliance"


def cqc_definition(app_id: str) -> dict[str, Any]:
    path = BUNDLE / "definitions" / f"{app_id}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def publish_cqc(
    session: Session, app_id: str, targets: list[Organisation], raw: dict[str, Any] | None = None
) -> App:
    """Publish the bundled ``app_id`` (or ``raw``) to ``targets``, committed."""
    saf = BUNDLE / "data" / "saf-2024.json"
    load_framework(session, json.loads(saf.read_text(encoding="utf-8")), source=str(saf))
    return publish_app(session, raw or cqc_definition(app_id), targets)


# (likelihood, impact, status) of A00001's risks; A00003 (another PCN) has one more.
RISKS = [
    (5, 5, "open"),
    (4, 5, "open"),
    (4, 5, "open"),
    (3, 3, "open"),
    (1, 2, "open"),
    (2, 2, "closed"),  # closed: not on the heatmap of open risks
    (5, 5, "draft"),  # drafts are never counted
]


def risk(likelihood: Any, impact: Any, title: str = "Fridge failure") -> dict[str, Any]:
    return {
        "title": title,
        "description": "The fridge may fail over a weekend.",
        "category": "premises",
        "likelihood": likelihood,
        "impact": impact,
        "owner": "Practice manager",
        "review_date": "2030-01-01",
    }


def seed_risks(
    session: Session, app: App, org: Organisation, rows: list[tuple[Any, Any, str]]
) -> None:
    """Store risks of ``org`` as they are (no checks), one per (likelihood, impact, status)."""
    for likelihood, impact, status in rows:
        data = risk(likelihood, impact, f"Risk {likelihood}x{impact}")
        session.add(
            Record(app_id=app.id, app_version=1, organisation=org, data=data, status=status)
        )
    session.commit()


FOLLOW_UP: dict[str, Any] = {
    "id": "fridge_follow_up",
    "title": "Fridge follow-up",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["note"],
        "properties": {
            "reading": {"type": "integer", "title": "Reading", "x-record-of": "fridge_log"},
            "note": {"type": "string", "title": "Note"},
        },
    },
    "ui": {"fields": {"/reading": {"widget": "record"}}},
}
