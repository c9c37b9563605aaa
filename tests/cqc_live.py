"""The CQC compliance bundle on the browser tests' live server, and the checks its
browser tests share (plain functions, no fixtures): the framework and every bundled app
published to the test ICB, and the little each page needs to show something: evidence
at both practices of North PCN, open risks and training at North Surgery (A00001), and
a policy published by the PCN.

Everything is added once per live database (a second call finds the home app and does
nothing), so each CQC browser module may ask for it.

======  ==========================================================================
ODS     what is stored
======  ==========================================================================
A00001  evidence for learning culture and safeguarding (Safe: 2 of 8); three open
        risks (5x5, 4x5, 2x2) and a closed one; the manager's basic life support
        done 30 days ago; a staff member (``STAFF_EMAIL``) who signs policies
A00002  evidence for every Well-led statement (Well-led: 8 of 8, "Evidenced")
U00001  keeps the infection control policy (version 1 published), approved by a
        second PCN manager (``APPROVER_EMAIL``)
======  ==========================================================================
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from miniapps.core.definitions.loading import load_bundle
from miniapps.models import App, Framework, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.documents import library
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from playwright.sync_api import Locator, Page
from sqlalchemy import select
from sqlalchemy.orm import Session

BUNDLE = Path(__file__).resolve().parents[1] / "apps" / "cqc_compliance"
SAF = BUNDLE / "data" / "saf-2024.json"
PASSWORD = "correct horse battery"  # the browser conftest's
STAFF_EMAIL = "cqc.staff@example.nhs.uk"
APPROVER_EMAIL = "cqc.approver@example.nhs.uk"
POLICY_TITLE = "Infection prevention and control policy"
POLICY_TEXT = (
    "Staff wash their hands before and after each patient.\n"
    "Gloves are single use.\n\n"
    "Sharps go in the yellow bin."
)
WELL_LED = [
    "shared_direction_and_culture",
    "capable_compassionate_and_inclusive_leaders",
    "freedom_to_speak_up",
    "workforce_equality_diversity_and_inclusion",
    "governance_management_and_sustainability",
    "partnerships_and_communities",
    "learning_improvement_and_innovation",
    "environmental_sustainability",
]
SERIOUS = {"serious", "critical"}
# (likelihood, impact, status) of North Surgery's risks.
RISKS = [(5, 5, "open"), (4, 5, "open"), (2, 2, "open"), (3, 3, "closed")]


def load_cqc(session: Session) -> None:
    """The framework, the bundle and its seed data, once; flushed (the caller commits)."""
    if session.get(App, "cqc_compliance") is not None:
        return
    if session.scalar(select(Framework.id).where(Framework.framework_id == "cqc-saf")) is None:
        load_framework(session, json.loads(SAF.read_text(encoding="utf-8")), source=str(SAF))
    orgs = {o.ods: o for o in session.scalars(select(Organisation))}
    apps = {
        definition.id: app_service.publish(session, definition, [orgs["QWE"]], actor=None).app
        for definition in load_bundle(BUNDLE)
    }
    users = {u.email: u for u in session.scalars(select(User))}
    manager = users["pm@example.nhs.uk"]
    user_service.create_user(
        session, STAFF_EMAIL, "Sam Staff", PASSWORD, "practice_staff", orgs["A00001"]
    )
    approver = user_service.create_user(
        session, APPROVER_EMAIL, "Alex Approver", PASSWORD, "pcn_manager", orgs["U00001"]
    )
    session.flush()
    _evidence(session, orgs["A00001"], ["learning_culture", "safeguarding"])
    _evidence(session, orgs["A00002"], WELL_LED)
    for likelihood, impact, status in RISKS:
        session.add(
            Record(
                app_id="cqc_risk_register",
                app_version=1,
                organisation=orgs["A00001"],
                data=_risk(likelihood, impact),
                status=status,
            )
        )
    record_service.create_record(
        session,
        Access(manager),
        apps["cqc_training"],
        orgs["A00001"],
        {
            "person": manager.email,
            "course": "basic_life_support",
            "completed_on": (date.today() - timedelta(days=30)).isoformat(),
        },
        submit=True,
        actor=manager,
    )
    _policy(session, apps["cqc_policies"], orgs["U00001"], users["pcn@example.nhs.uk"], approver)
    session.flush()


def _evidence(session: Session, org: Organisation, statements: list[str]) -> None:
    at = datetime.now(UTC) - timedelta(days=3)
    data = {
        "title": f"Evidence at {org.name}",
        "date": at.date().isoformat(),
        "shows": "What the evidence shows, in a sentence or two.",
        "statements": statements,
        "category": "processes",
    }
    session.add(
        Record(
            app_id="cqc_compliance",
            app_version=1,
            organisation=org,
            data=data,
            status="logged",
            submitted_at=at,
        )
    )


def _risk(likelihood: int, impact: int) -> dict[str, Any]:
    return {
        "title": f"Risk {likelihood}x{impact}",
        "description": "The fridge may fail over a weekend.",
        "category": "premises",
        "likelihood": likelihood,
        "impact": impact,
        "owner": "Practice manager",
        "review_date": "2030-01-01",
    }


def _policy(session: Session, app: App, pcn: Organisation, keeper: User, approver: User) -> None:
    """The PCN's infection control policy: drafted, approved and published (version 1)."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    data = {
        "title": POLICY_TITLE,
        "category": "policy",
        "owner": "PCN clinical director",
        "statements": ["infection_prevention_and_control"],
    }
    record = record_service.create_record(
        session, Access(keeper), app, pcn, data, submit=True, actor=keeper
    )
    session.flush()
    version = library.add_version(
        session,
        Access(keeper),
        app,
        record,
        keeper,
        body=POLICY_TEXT,
        change_summary="First version",
        now=now,
    )
    library.approve_version(
        session, Access(approver), app, record, version.number, approver, now=now
    )
    library.publish_version(
        session,
        Access(keeper),
        app,
        record,
        version.number,
        keeper,
        now=now,
        base_url="https://miniapps.test",
    )


def serious_violations(page: Page) -> list[str]:
    """Axe's serious and critical violations on the page as it is now, one line each."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) + " " + node["html"][:160] for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def focused(target: Locator) -> bool:
    return bool(target.evaluate("(el) => el === document.activeElement"))


def tab_to(page: Page, target: Locator, limit: int = 12, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab if ``back``) until ``target`` has focus (it must be within
    ``limit`` presses)."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
        if focused(target):
            return
    raise AssertionError(f"Tab never reached {target}; focus went through {seen}")
