"""axe on every page type, with the role that uses it: no serious or critical violations.

The page types come from the app's URL map: :data:`PAGES` gives each GET endpoint that
answers HTML a URL and a role, :data:`NOT_PAGES` says why the rest are not pages (files,
streams, JSON). A new route fails :func:`test_every_page_route_is_checked` until it is
added to one of them, so no page escapes the check by being forgotten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from miniapps.core.definitions.loading import load_definition, validate_definition
from miniapps.db import db
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.invitations import issue_link
from miniapps.services.notifications.outbox import queue_email
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cqc_live import STAFF_EMAIL, load_cqc
from tests.fixtures_channels import EXAMPLE as CONCERN_APP
from tests.sample_views import SEEDED, event_log

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # the browser conftest's
SERIOUS = {"serious", "critical"}
ROLE_EMAILS = {
    "practice_manager": "pm@example.nhs.uk",  # conftest's, at A00001
    "pcn_manager": "pcn@example.nhs.uk",  # conftest's, North PCN
    "icb_viewer": "a11y.icb@example.nhs.uk",
    "platform_admin": "a11y.admin@example.nhs.uk",
    "stakeholder": "a11y.officer@example.gov.uk",
}
ANONYMOUS = "anonymous"
LOG_APP = "a11y_log"  # a fridge log of this module's own: no other test's counts change

# endpoint -> (role, path); {names} come from :class:`Seeded`.
PAGES: dict[str, tuple[str, str]] = {
    "auth.login": (ANONYMOUS, "/auth/login"),
    "invitations.accept": (ANONYMOUS, "{invitation}"),
    "home.index": ("practice_manager", "/"),
    "account.notifications": ("practice_manager", "/account/notifications"),
    "account.password": ("practice_manager", "/account/password"),
    "account.tokens": ("practice_manager", "/account/tokens"),
    "apps.records": ("practice_manager", "/apps/a11y_log/"),
    "apps.new_record": ("practice_manager", "/apps/a11y_log/new"),
    "apps.record": ("practice_manager", "/apps/a11y_log/records/{submitted}"),
    "apps.edit_record": ("practice_manager", "/apps/a11y_log/records/{draft}/edit"),
    "apps.definition": ("pcn_manager", "/apps/a11y_log/about"),
    "apps.import_form": ("practice_manager", "/apps/a11y_log/import"),
    "apps.import_progress": ("practice_manager", "{import_progress}"),
    "apps.dashboard": ("icb_viewer", "/apps/a11y_log/dashboard"),
    "apps.app_view": ("pcn_manager", "/apps/event_log/views/learning"),
    "apps.returns": ("pcn_manager", "/apps/iif_tracker/returns"),
    "apps.indicators": ("pcn_manager", "/apps/iif_tracker/indicators"),
    "apps.indicators_summary": ("icb_viewer", "/apps/iif_tracker/indicators/summary"),
    "apps.publish": ("pcn_manager", "/apps/publish"),
    "apps.compliance": ("practice_manager", "/apps/cqc_compliance/compliance"),
    "apps.compliance_heatmap": ("pcn_manager", "/apps/cqc_compliance/compliance/practices"),
    "apps.well_led": ("pcn_manager", "/apps/cqc_compliance/compliance/well-led?org=A00002"),
    "apps.follow_ups": ("pcn_manager", "/apps/cqc_ipc_audit/actions"),
    "apps.matrix": ("practice_manager", "/apps/cqc_training/matrix?org=A00001"),
    "apps.library": ("practice_manager", "/apps/cqc_policies/library"),
    "apps.library_document": ("practice_manager", "/apps/cqc_policies/library/{policy}"),
    "apps.library_adopt": ("practice_manager", "/apps/cqc_policies/library/{policy}/adopt"),
    "apps.library_version": ("pcn_manager", "/apps/cqc_policies/library/{policy}/versions/1"),
    "apps.library_coverage": ("practice_manager", "/apps/cqc_policies/library/coverage"),
    "apps.library_person": ("practice_manager", "/apps/cqc_policies/library/people/{staff}"),
    "inbox.inbox": ("stakeholder", "/inbox"),
    "inbox.dashboard": ("stakeholder", "/inbox/dashboard"),
    "admin.index": ("platform_admin", "/admin/"),
    "admin.audit": ("platform_admin", "/admin/audit"),
    "admin.organisations": ("platform_admin", "/admin/organisations"),
    "admin.activity": ("platform_admin", "/admin/organisations/A00001/activity"),
    "admin.stakeholder": ("platform_admin", "/admin/organisations/LAA11Y/stakeholder"),
    "admin.import_organisations": ("platform_admin", "/admin/organisations/import"),
    "admin.outbox": ("platform_admin", "/admin/outbox"),
    "admin.message": ("platform_admin", "/admin/outbox/{message}"),
    "admin.tokens": ("platform_admin", "/admin/tokens"),
    "admin.users": ("platform_admin", "/admin/users"),
    "admin.user": ("platform_admin", "/admin/users/{manager}"),
    "admin.invite": ("platform_admin", "/admin/users/invite"),
    "studio.index": ("pcn_manager", "/studio"),
    "studio.new": ("pcn_manager", "/studio/new"),
    "studio.gallery": ("pcn_manager", "/studio/templates?template=staff_training"),
    "studio.upload": ("pcn_manager", "/studio/upload"),
    "apps.retire": ("platform_admin", "/apps/a11y_log/retire"),
}
# Not pages: what these answer is a file, a stream or JSON, which axe cannot judge.
NOT_PAGES: dict[str, str] = {
    "static": "files",
    "apps.attachment": "an uploaded file",
    "apps.export": "a CSV, XLSX or JSON download",
    "apps.dashboard_csv": "a CSV download",
    "apps.compliance_heatmap_csv": "a CSV download",
    "apps.compliance_pack": "a ZIP download",
    "apps.indicators_csv": "a CSV download",
    "apps.matrix_csv": "a CSV download",
    "apps.library_file": "a document version's file",
    "apps.import_progress_json": "JSON polled by the progress page",
    "inbox.dashboard_csv": "a CSV download",
    "inbox.stream": "a server-sent event stream",
    "studio.editor": "a draft's page: axe-checked in test_studio_editor_browser.py",
    "studio.field": "a draft's page: axe-checked in test_studio_editor_browser.py",
    "studio.json_tab": "a draft's page: axe-checked in test_studio_editor_browser.py",
    "studio.history": "a draft's page: axe-checked in test_studio_editor_browser.py",
    "studio.preview": "a draft's page: axe-checked in test_studio_publish_browser.py",
    "studio.publish": "a draft's page: axe-checked in test_studio_publish_browser.py",
}
# Pages that are no endpoint of their own.
EXTRA_PAGES = {"not found": ("practice_manager", "/apps/no_such_app/")}


@dataclass
class Seeded:
    ids: dict[str, str] = field(default_factory=dict)


def page_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and not rule.rule.startswith("/api/")
    }


def test_every_page_route_is_checked(live_app: Flask) -> None:
    endpoints = page_endpoints(live_app)
    assert sorted(endpoints - PAGES.keys() - NOT_PAGES.keys()) == [], "add them to PAGES"
    assert sorted((PAGES.keys() | NOT_PAGES.keys()) - endpoints) == [], "routes gone"


@pytest.fixture(scope="module")
def seeded(live_app: Flask, iif_live: str) -> Seeded:
    """Something for every page to show, and the ids its URL needs (once per module)."""
    found = Seeded()
    with live_app.app_context(), db.transaction(live_app) as session:
        load_cqc(session)
        _add_roles(session)
        _add_events_and_concerns(session)
        orgs = {o.ods: o for o in session.scalars(select(Organisation))}
        users = {u.email: u for u in session.scalars(select(User))}
        manager = users[ROLE_EMAILS["practice_manager"]]
        fridge = session.get(App, LOG_APP) or _publish_log(session, orgs["QWE"])
        records = [
            create_record(session, Access(manager), fridge, orgs["A00001"], {"reading": value},
                          submit=submit, actor=manager)
            for value, submit in ((4.5, True), (5.5, False))
        ]  # fmt: skip
        message = queue_email(session, to=manager.email, subject="Return due", text="Due soon")
        assert message is not None
        # At this module's own stakeholder organisation: a practice's people are counted
        # by other modules (the training matrix).
        invited = user_service.create_user(
            session, "a11y.invited@example.gov.uk", "Ivy Invited", None, "stakeholder",
            orgs["LAA11Y"],
        )  # fmt: skip
        link = issue_link(session, invited, "invite", actor=None, base_url="http://localhost")
        policy = session.scalars(select(Record.id).where(Record.app_id == "cqc_policies")).first()
        session.flush()
        found.ids = {
            "submitted": str(records[0].id),
            "draft": str(records[1].id),
            "message": str(message.id),
            "manager": str(manager.id),
            "staff": str(users[STAFF_EMAIL].id),
            "policy": str(policy),
            "invitation": urlsplit(link.url).path,
        }
    return found


def _publish_log(session: Session, icb: Organisation) -> App:
    raw = json.loads((REPO / "docs" / "examples" / "fridge_log" / "app.json").read_text())
    raw.update(id=LOG_APP, title="Accessibility check fridge log")
    return app_service.publish(session, validate_definition(raw), [icb], None).app


def _add_roles(session: Session) -> None:
    upsert_organisations(
        session,
        [
            OrgRow("LAA11Y", "Test Council Adult Safeguarding", "stakeholder", "PLC01",
                   category="la_adult_safeguarding"),
        ],
    )  # fmt: skip
    orgs = {o.ods: o for o in session.scalars(select(Organisation))}
    for role, ods in (("icb_viewer", "QWE"), ("platform_admin", "QWE"), ("stakeholder", "LAA11Y")):
        user_service.create_user(
            session, ROLE_EMAILS[role], role.replace("_", " ").title(), PASSWORD, role, orgs[ods]
        )


def _add_events_and_concerns(session: Session) -> None:
    orgs = {o.ods: o for o in session.scalars(select(Organisation))}
    raw = event_log()
    if session.get(App, raw["id"]) is None:
        app_service.publish(session, validate_definition(raw), [orgs["QWE"]], None)
        for day, (ods, status, data) in enumerate(SEEDED, start=1):
            if ods in orgs:
                session.add(
                    Record(app_id=raw["id"], app_version=1, organisation=orgs[ods], data=data,
                           status=status, submitted_at=datetime(2026, 4, day, 12, tzinfo=UTC))
                )  # fmt: skip
    concerns = session.get(App, "safeguarding_concern")
    if concerns is None:
        concerns = app_service.publish(
            session, load_definition(CONCERN_APP), [orgs["QWE"]], actor=None
        ).app
    manager = session.scalars(select(User).filter_by(email=ROLE_EMAILS["practice_manager"])).one()
    create_record(
        session, Access(manager), concerns, orgs["A00001"],
        {"kind": "adult", "summary": "Bruising seen at a home visit", "urgent": False},
        submit=True, actor=manager,
    )  # fmt: skip


class RolePages:
    """One signed-in browser context per role, opened when first needed."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}

    def page(self, role: str) -> Page:
        if role not in self.pages:
            context = self.browser.new_context(base_url=self.base_url)
            context.set_default_timeout(10_000)
            page = context.new_page()
            if role != ANONYMOUS:
                page.goto("/auth/login")
                page.get_by_label("Email address").fill(ROLE_EMAILS[role])
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page).not_to_have_url(re.compile(r"/auth/login"))
            self.contexts[role], self.pages[role] = context, page
        return self.pages[role]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def role_pages(browser: Browser, live_server: Any) -> Iterator[RolePages]:
    pages = RolePages(browser, str(live_server.url))
    yield pages
    pages.close()


def start_an_import(page: Page) -> str:
    """Upload and confirm a one-row import through the page; the progress page's path."""
    page.goto("/apps/a11y_log/import")
    content = f"ods,reading\nA00001,{date.today().day / 10 + 2}\n".encode()
    upload: FilePayload = {"name": "reading.csv", "mimeType": "text/csv", "buffer": content}
    page.set_input_files("input[type=file][name=file]", files=[upload])
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name=re.compile(r"^Import 1 record")).click()
    expect(page).to_have_url(re.compile(r"/apps/a11y_log/import/[\w-]{20,}$"))
    return urlsplit(page.url).path


def serious_violations(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("endpoint", sorted(PAGES) + sorted(EXTRA_PAGES))
def test_no_serious_accessibility_violations(
    endpoint: str, seeded: Seeded, role_pages: RolePages
) -> None:
    role, path = PAGES.get(endpoint) or EXTRA_PAGES[endpoint]
    page = role_pages.page(role)
    if path == "{import_progress}":
        path = start_an_import(page)
    path = path.format(**seeded.ids)
    response = page.goto(path)
    assert response is not None
    expected = 404 if endpoint in EXTRA_PAGES else 200
    assert response.status == expected, f"{path} as {role}: {response.status}"
    assert "text/html" in response.headers.get("content-type", "")
    assert serious_violations(page) == [], f"{path} as {role}"


def test_every_role_is_used() -> None:
    assert {role for role, _ in PAGES.values()} == {*ROLE_EMAILS, ANONYMOUS}
