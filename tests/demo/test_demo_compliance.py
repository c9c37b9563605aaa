"""The CQC bundle in ``miniapps demo load``: every member published after the bundle's
frameworks, no generic records for a bundle with a story, the people the stories share,
and loading twice doubling nothing."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from miniapps.demo import compliance as demo_compliance
from miniapps.demo.compliance import STAFF_PER_PRACTICE, CqcPeople, cqc_people
from miniapps.demo.loader import DEFAULT_PASSWORD, DemoReport, load_demo, pilot_org_rows
from miniapps.demo.users import load_users
from miniapps.models import (
    App,
    AppVersion,
    AuditEntry,
    Framework,
    Membership,
    Organisation,
    Record,
    User,
)
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import REPO

BUNDLE = REPO / "apps" / "cqc_compliance"
TODAY = date(2026, 5, 15)
MEETINGS = {
    "id": "cqc_meetings",
    "title": "Partners' meetings",
    "version": 1,
    "evidence": [
        {"framework": "cqc-saf", "statements": ["shared_direction_and_culture"],
         "category": "feedback_from_staff_and_leaders"}
    ],
    "schema": {"type": "object", "required": ["title"],
               "properties": {"title": {"type": "string", "title": "Title"}}},
}  # fmt: skip
PLAIN = {
    "id": "plain_log",
    "title": "Plain log",
    "version": 1,
    "schema": {"type": "object", "properties": {"count": {"type": "integer", "minimum": 0}}},
}


@pytest.fixture
def apps_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CQC bundle's home app and framework, one member more, a year set that is not a
    framework beside it, and a plain app; no stories (the real ones need the whole
    bundle: :func:`test_the_bundled_cqc_app_loads_whole`)."""
    monkeypatch.setattr(demo_compliance, "STORIES", [])
    root = tmp_path / "apps"
    bundle = root / "cqc_compliance"
    (bundle / "definitions").mkdir(parents=True)
    shutil.copy(BUNDLE / "app.json", bundle / "app.json")
    shutil.copytree(BUNDLE / "data", bundle / "data")
    (bundle / "data" / "not-a-framework.json").write_text(json.dumps({"year": "2025/26"}))
    (bundle / "definitions" / "cqc_meetings.json").write_text(json.dumps(MEETINGS))
    (root / "plain_log").mkdir()
    (root / "plain_log" / "app.json").write_text(json.dumps(PLAIN))
    return root


def _pilot(app) -> dict[str, Any]:
    return json.loads(Path(app.config["ORGANISATIONS_FILE"]).read_text(encoding="utf-8"))


def _load(app, session: Session, apps_dir: Path) -> DemoReport:
    report = load_demo(
        session,
        pilot_file=Path(app.config["ORGANISATIONS_FILE"]),
        apps_dirs=[apps_dir],
        password=DEFAULT_PASSWORD,
        today=TODAY,
    )
    session.commit()
    return report


def _records(session: Session, app_id: str) -> int:
    return session.scalar(select(func.count(Record.id)).where(Record.app_id == app_id)) or 0


def _counts(session: Session) -> dict[str, int]:
    models = (User, Membership, App, AppVersion, Framework, Record, AuditEntry)
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def test_bundle_members_are_published_after_the_framework(app, db_session, apps_dir) -> None:
    report = _load(app, db_session, apps_dir)
    assert report.problems == []
    assert report.apps[:3] == [
        "loaded framework cqc-saf 2024",
        "published cqc_compliance v1",
        "published cqc_meetings v1",
    ]
    assert db_session.scalars(select(Framework.framework_id)).all() == ["cqc-saf"]
    published = set(db_session.scalars(select(App.id)))
    assert {"cqc_compliance", "cqc_meetings", "plain_log"} <= published
    # A bundle with a story gets no generic year of records; a plain app still does.
    assert _records(db_session, "cqc_compliance") == _records(db_session, "cqc_meetings") == 0
    assert "cqc_meetings" not in report.records_created
    assert report.records_created["plain_log"] > 0


def test_cqc_people(app, db_session, apps_dir) -> None:
    report = _load(app, db_session, apps_dir)
    pilot = _pilot(app)
    rows = pilot_org_rows(pilot)
    focus, _logins, created = load_users(db_session, pilot, rows, DEFAULT_PASSWORD)
    assert created == 0
    apps = {a.id: a for a in db_session.scalars(select(App).where(App.id.like("cqc_%")))}
    people = cqc_people(db_session, pilot, rows, focus, apps)
    assert people.pcn.ods == "U52546" and people.pcn_manager.email.startswith("pcn.manager@")
    assert people.admin.email.startswith("admin@")
    assert people.practices[0].ods == focus.practice
    assert {p.parent_id for p in people.practices} == {people.pcn.id}
    assert len(people.practices) == db_session.scalar(
        select(func.count(Organisation.id)).where(Organisation.parent_id == people.pcn.id)
    )
    staffed = list(people.staff)
    assert staffed[0] == focus.practice and len(staffed) == 2
    assert set(people.managers) == set(staffed)
    for ods, staff in people.staff.items():
        assert len(staff) == STAFF_PER_PRACTICE + 1  # the demo nurse and the team
        assert staff[0].name.startswith("Demo Practice Nurse")
        for number, user in enumerate(staff[1:], start=1):
            assert user.email == f"staff.{number}.{ods.lower()}@demo.miniapps.nhs.uk"
            assert [(m.role, m.organisation.ods) for m in user.memberships] == [
                ("practice_staff", ods)
            ]
            assert user.password_hash == people.admin.password_hash
        assert len({u.name for u in staff}) == len(staff)
    assert set(people.apps) == {"cqc_compliance", "cqc_meetings"}
    # The team is not among the printed logins.
    assert not any(login.email.startswith("staff.") for login in report.logins)


def test_loading_twice_doubles_nothing(app, db_session, apps_dir) -> None:
    _load(app, db_session, apps_dir)
    models = (User, Membership, App, AppVersion, Framework, Record, AuditEntry)

    def counts() -> dict[str, int]:
        return {
            m.__name__: db_session.scalar(select(func.count()).select_from(m)) or 0 for m in models
        }

    before = counts()
    second = _load(app, db_session, apps_dir)
    assert counts() == before
    assert "unchanged framework cqc-saf 2024" in second.apps
    assert "unchanged cqc_meetings v1" in second.apps


def test_stories_run_after_publishing_with_the_people(
    app, db_session, apps_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[CqcPeople] = []

    def load_meetings(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
        heard.append(people)
        meetings = people.apps["cqc_meetings"]
        if _records(session, "cqc_meetings"):
            return {}
        manager = people.managers[people.practices[0].ods]
        record_service.create_record(
            session, Access(manager), meetings, people.practices[0],
            {"title": f"Partners' meeting {today:%B %Y}"}, submit=True, actor=manager,
        )  # fmt: skip
        return {"cqc_meetings": 1}

    monkeypatch.setattr(demo_compliance, "STORIES", [load_meetings])
    first = _load(app, db_session, apps_dir)
    assert "story load_meetings: 1 records for cqc_meetings" in first.apps
    assert _records(db_session, "cqc_meetings") == 1
    second = _load(app, db_session, apps_dir)
    assert not any(line.startswith("story ") for line in second.apps)
    assert _records(db_session, "cqc_meetings") == 1
    assert len(heard) == 2 and len(heard[1].staff[heard[1].practices[0].ods]) == 9


def test_the_bundled_cqc_app_loads_whole(app, db_session, tmp_path: Path) -> None:
    """Every definition of the real bundle publishes with no problem after the framework,
    its stories make its records (no generic ones), and loading again adds nothing."""
    root = tmp_path / "apps"
    shutil.copytree(BUNDLE, root / "cqc_compliance")
    report = _load(app, db_session, root)
    assert report.problems == []
    assert report.apps[0] == "loaded framework cqc-saf 2024"
    files = [BUNDLE / "app.json", *sorted((BUNDLE / "definitions").glob("*.json"))]
    ids = [json.loads(file.read_text(encoding="utf-8"))["id"] for file in files]
    published = [line.split()[1] for line in report.apps if re.match(r"published cqc_", line)]
    assert published == ids
    assert not any(app_id.startswith("cqc_") for app_id in report.records_created)
    told = [line for line in report.apps if line.startswith("story ")]
    assert len(told) >= len(demo_compliance.STORIES) > 0
    before = _counts(db_session)
    again = _load(app, db_session, root)
    assert again.problems == []
    assert not any(line.startswith("story ") for line in again.apps)
    assert _counts(db_session) == before
