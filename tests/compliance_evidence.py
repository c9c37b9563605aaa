"""The CQC framework and evidence log for compliance tests (plain functions, no fixture)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from miniapps.core.definitions.loading import load_definition
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services.compliance.frameworks import load_framework
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
CQC_DIR = REPO / "apps" / "cqc_compliance"
SAF_FILE = CQC_DIR / "data" / "saf-2024.json"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def saf() -> dict[str, Any]:
    return json.loads(SAF_FILE.read_text(encoding="utf-8"))


def load_saf(session: Session) -> None:
    load_framework(session, saf(), source=str(SAF_FILE))


def saf_2026() -> dict[str, Any]:
    """A made-up later version: ``learning_culture`` becomes two statements, one new id
    keeps its old meaning under another name, every other statement stays."""
    raw = copy.deepcopy(saf())
    raw.pop("expected_counts", None)
    raw["version"] = "2026"
    raw["title"] = "Made-up sector framework (test only)"
    safe = raw["key_questions"][0]["statements"]
    safe[0] = {"id": "safety_culture", "title": "Safety culture"}
    safe.append({"id": "learning_from_events", "title": "Learning from events"})
    raw["replaces"] = {
        "version": "2024",
        "mapping": {"learning_culture": ["safety_culture", "learning_from_events"]},
    }
    return raw


def publish_log(session: Session, targets: list[Organisation]) -> App:
    """The framework loaded and the bundled evidence log published to ``targets``."""
    load_saf(session)
    published = app_service.publish(session, load_definition(CQC_DIR), targets, actor=None)
    session.commit()
    return published.app


def evidence(
    session: Session,
    org: Organisation,
    statements: list[str],
    *,
    at: datetime = NOW,
    title: str = "Staff meeting minutes",
    category: str = "feedback_from_staff_and_leaders",
    status: str = "logged",
    by: User | None = None,
    superseded: bool = False,
    app_id: str = "cqc_compliance",
    data: dict[str, Any] | None = None,
) -> Record:
    """A record of the evidence log submitted at ``at`` (stored directly, committed)."""
    record = Record(
        app_id=app_id,
        app_version=1,
        organisation=org,
        data=data
        or {
            "title": title,
            "date": at.date().isoformat(),
            "shows": "What the evidence shows, in a sentence or two.",
            "statements": statements,
            "category": category,
        },
        status=status,
        submitted_at=None if status == "draft" else at,
        superseded=superseded,
        created_by_id=by.id if by else None,
    )
    session.add(record)
    session.commit()
    return record
