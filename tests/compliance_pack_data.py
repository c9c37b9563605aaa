"""A practice's year for inspection pack tests (plain functions, no fixture).

:func:`pack_world` loads the framework, publishes the bundled evidence log
(``cqc_compliance``), a bundle app without ``evidence`` holding a repeating section
(``cqc_checks``) and an app outside the bundle (``fridge_log``), and stores records of
A00001 (one with an attached file), records the pack must leave out (older than 12
months, a draft, another practice's, an app outside the bundle) and a peer review made by
A00002 about A00001 (``subject_id``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from miniapps.models import App, Attachment, Organisation, Record, User
from miniapps.services.compliance.sources import SOURCES, EvidenceItem, Gap, PackTable
from sqlalchemy.orm import Session

from tests.compliance_evidence import NOW, evidence, publish_log
from tests.conftest import load_example
from tests.publishing import publish_app

CHECKS = {
    "id": "cqc_checks",
    "title": "Premises checks",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["room"],
        "properties": {
            "room": {"type": "string", "title": "Room"},
            "items": {
                "type": "array",
                "title": "Items checked",
                "items": {
                    "type": "object",
                    "properties": {
                        "item": {"type": "string", "title": "Item"},
                        "ok": {"type": "boolean", "title": "OK"},
                    },
                },
            },
        },
    },
}
ATTACHED = b"%PDF-1.4 minutes of the staff meeting"


@dataclass
class PackWorld:
    log: App
    checks: App
    fridge: App
    practice: Organisation
    kept: Record  # in the evidence log, with an attachment
    attachment: Attachment
    peer_review: Record  # A00002's check about A00001
    check: Record  # A00001's own check with two items
    left_out: list[Record]


def add_attachment(
    session: Session,
    uploads: str | Path,
    app_id: str,
    org: Organisation,
    name: str,
    content: bytes = ATTACHED,
) -> Attachment:
    digest = hashlib.sha256(content).hexdigest()
    attachment = Attachment(
        id=str(uuid.uuid4()),
        app_id=app_id,
        organisation_id=org.id,
        field_pointer="/attachment",
        filename=name,
        content_type="application/pdf",
        size=len(content),
        sha256=digest,
    )
    session.add(attachment)
    session.flush()
    Path(uploads).mkdir(parents=True, exist_ok=True)
    (Path(uploads) / digest).write_bytes(content)
    return attachment


def evidence_data(title: str, statements: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "date": NOW.date().isoformat(),
        "shows": "What the evidence shows, in a sentence or two.",
        "statements": statements,
        "category": "processes",
        **extra,
    }


def pack_world(
    session: Session, orgs: dict[str, Organisation], users: dict[str, User], uploads: str | Path
) -> PackWorld:
    a1, a2 = orgs["A00001"], orgs["A00002"]
    log = publish_log(session, [orgs["QWE"]])
    checks = publish_app(session, CHECKS, [orgs["QWE"]])
    fridge = publish_app(session, load_example("fridge_log"), [orgs["QWE"]])
    attachment = add_attachment(session, uploads, "cqc_compliance", a1, "Staff meeting May.pdf")
    kept = evidence(
        session,
        a1,
        [],
        at=NOW - timedelta(days=10),
        by=users["practice_manager"],
        data=evidence_data(
            "Staff meeting minutes <May>",
            ["learning_culture", "safe_environments"],
            attachment=attachment.id,
        ),
    )
    left_out = [
        evidence(session, a1, ["learning_culture"], at=NOW - timedelta(days=400), title="Old"),
        evidence(session, a1, ["learning_culture"], status="draft", title="Draft"),
        evidence(session, a2, ["learning_culture"], title="Hill Surgery minutes"),
        _stored(session, fridge, a1, {"reading": 5.0}, NOW - timedelta(days=1)),
    ]
    check = _stored(
        session,
        checks,
        a1,
        {"room": "Treatment room", "items": [{"item": "Sharps bin", "ok": True}, {"item": "Sink"}]},
        NOW - timedelta(days=5),
    )
    peer_review = _stored(session, checks, a2, {"room": "Peer review of North"}, NOW, subject=a1)
    session.commit()
    return PackWorld(log, checks, fridge, a1, kept, attachment, peer_review, check, left_out)


def _stored(
    session: Session,
    app: App,
    org: Organisation,
    data: dict[str, Any],
    at: datetime,
    subject: Organisation | None = None,
) -> Record:
    record = Record(
        app_id=app.id,
        app_version=1,
        organisation=org,
        subject_id=subject.id if subject else None,
        data=data,
        status="submitted",
        submitted_at=at,
    )
    session.add(record)
    session.flush()
    return record


def register_only(monkeypatch: Any, fake: FakeSource) -> None:
    """Leave the records source and ``fake`` alone in SOURCES for one test (the other
    capabilities' sources register themselves; their tables are tested with them)."""
    for name in list(SOURCES):
        if name != "records":
            monkeypatch.delitem(SOURCES, name)
    monkeypatch.setitem(SOURCES, "fake", fake)


class FakeSource:
    """A registered capability with one policy table, one item of its own and one gap."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def evidence(
        self,
        session: Session,
        orgs: Iterable[Organisation],
        framework: str,
        since: datetime,
        now: datetime,
    ) -> list[EvidenceItem]:
        return [
            EvidenceItem(
                org_id=org.id,
                framework=framework,
                statements=("governance_management_and_sustainability",),
                category="processes",
                title="Fire safety policy v3 adopted",
                at=NOW - timedelta(days=20),
                source="fake",
                owner="Pat Manager",
            )
            for org in orgs
        ]

    def gaps(
        self, session: Session, orgs: Iterable[Organisation], framework: str, now: datetime
    ) -> list[Gap]:
        return [
            Gap(
                org_id=org.id,
                framework=framework,
                statements=("safe_environments",),
                kind="review_overdue",
                text="Legionella policy: review overdue since 3 May 2026",
                source="fake",
            )
            for org in orgs
        ]

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> list[PackTable]:
        if self.fail:
            raise RuntimeError("the document store is unavailable")
        return [
            PackTable(
                "policies",
                "Policies",
                ["Policy", "Version", "Adopted", "Read and signed"],
                [
                    ["Fire safety", 3, NOW - timedelta(days=20), "92%"],
                    ['=HYPERLINK("http://x")', 1, None, "0%"],
                ],
            ),
            PackTable("../complaints", "Complaints: last 12 months", ["Month", "Received"], []),
        ]
