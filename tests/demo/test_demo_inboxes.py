"""``miniapps demo load``, the stakeholders' side: teams with a category and an area, the
concern app with items in every state in both stakeholder users' inboxes (one past its
acknowledge deadline, which the scheduler's first run marks), and the ad hoc return
owned by the Merton adult safeguarding team."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from miniapps.demo.channels import CONCERN_FILE, stakeholder_rows
from miniapps.demo.loader import place_code
from miniapps.models import App, ChannelBreach, ChannelItem, Comment, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services.channels.breaches import mark_breaches
from miniapps.services.channels.stakeholders import covers
from miniapps.services.permissions import Access
from miniapps.services.records.listing import records_page
from sqlalchemy import select

from tests.conftest import REPO

DOMAIN = "demo.miniapps.nhs.uk"
STATES = {"sent", "acknowledged", "info_requested", "decided", "closed"}


def _org(db_session, ods: str) -> Organisation:
    org = db_session.scalar(select(Organisation).where(Organisation.ods == ods))
    assert org is not None, ods
    return org


def _user(db_session, local: str) -> User:
    user = db_session.scalar(select(User).where(User.email == f"{local}@{DOMAIN}"))
    assert user is not None, local
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def loaded(runner, db_session, app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The demo, loaded with no bundled apps of its own (an empty APPS_DIR)."""
    (tmp_path / "apps").mkdir()
    monkeypatch.setitem(app.config, "APPS_DIR", str(tmp_path / "apps"))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def test_the_stakeholder_teams_have_a_category_and_an_area(db_session, loaded) -> None:
    merton = _org(db_session, "DEMO-LA-MERTON")
    assert merton.category == "la_adult_safeguarding"
    home = _org(db_session, "H85076")  # Stonecot: the demo practice manager's practice
    assert merton.parent is not None and merton.parent.ods == place_code("Merton")
    assert covers(merton, home)
    assert _user(db_session, "practice.manager").memberships[0].organisation is home
    children = _org(db_session, "DEMO-MASH-MERTON")
    assert children.category == "la_children_safeguarding" and children.parent == merton.parent
    quality = _org(db_session, "DEMO-ICB-QUALITY")
    assert quality.category == "icb_quality"
    assert quality.parent is not None and quality.parent.ods == "DEMO-ICB"
    assert "safeguarding.children@demo.miniapps.nhs.uk" in loaded.stdout


def test_both_stakeholder_users_have_items_in_every_state(db_session, loaded) -> None:
    items = list(db_session.scalars(select(ChannelItem)))
    by_team: dict[str, list[ChannelItem]] = {}
    for item in items:
        by_team.setdefault(item.stakeholder.ods, []).append(item)
    for local, ods in (("safeguarding", "DEMO-LA-MERTON"), ("quality", "DEMO-ICB-QUALITY")):
        access = Access(_user(db_session, local))
        mine = by_team.get(ods, [])
        assert mine, ods
        assert all(access.holds_item(item.record) for item in mine)
    assert by_team.get("DEMO-MASH-MERTON")
    assert {item.record.status for item in items} >= STATES
    assert {item.record.status for item in by_team["DEMO-LA-MERTON"]} >= STATES
    # Nobody else's inbox: another practice's nurse sees none of the Merton concerns.
    outsider = Access(_user(db_session, "practice.staff.h84015"))
    assert not any(outsider.can_see_record(i.record) for i in by_team["DEMO-LA-MERTON"])


def test_the_thread_and_the_clocks_tell_a_story(db_session, loaded) -> None:
    officer = _user(db_session, "safeguarding")
    waiting = db_session.scalars(select(Record).where(Record.status == "info_requested")).all()
    assert waiting
    for record in waiting:
        question = db_session.scalars(select(Comment).where(Comment.record_id == record.id)).all()
        assert [c.author_id for c in question] == [officer.id]
        assert question[0].body.endswith("?")
    now = datetime.now(UTC)
    for item in db_session.scalars(select(ChannelItem)):
        assert _aware(item.sent_at) < now
        if item.acknowledged_at is not None:
            assert _aware(item.sent_at) <= _aware(item.acknowledged_at)
            assert _aware(item.acknowledged_at) <= _aware(item.acknowledge_by)  # on time
        if item.closed_at is not None:
            assert item.record.status == "closed"
    answered = db_session.scalar(select(ChannelItem).where(ChannelItem.sends == 2))
    assert answered is not None and answered.record.status == "decided"


def test_one_item_is_overdue_and_the_scheduler_marks_it(db_session, loaded) -> None:
    now = datetime.now(UTC)
    overdue = [
        item
        for item in db_session.scalars(select(ChannelItem))
        if item.acknowledged_at is None and _aware(item.acknowledge_by) < now
    ]
    assert len(overdue) == 1 and not overdue[0].breached
    assert overdue[0].stakeholder.ods == "DEMO-LA-MERTON"
    mark_breaches(db_session, now, "http://127.0.0.1:5000")
    db_session.commit()
    clocks = db_session.scalars(
        select(ChannelBreach.clock).where(ChannelBreach.item_id == overdue[0].id)
    ).all()
    assert "acknowledge" in clocks
    others = select(ChannelBreach).where(ChannelBreach.item_id != overdue[0].id)
    assert db_session.scalars(others).all() == []  # every other clock is still running


def test_the_ad_hoc_return_belongs_to_the_merton_team(db_session, loaded) -> None:
    readiness = db_session.get(App, "care_home_readiness")
    assert readiness is not None
    assert readiness.owner is not None and readiness.owner.ods == "DEMO-LA-MERTON"
    assert [t.organisation.ods for t in readiness.targets] == [place_code("Merton")]
    officer = Access(_user(db_session, "safeguarding"))
    assert readiness in app_service.visible_apps(db_session, officer)
    stored = db_session.scalars(select(Record).where(Record.app_id == readiness.id)).all()
    assert len(stored) > 10
    assert records_page(db_session, officer, readiness, page=1, page_size=500).total == len(stored)
    quality = Access(_user(db_session, "quality"))
    assert readiness not in app_service.visible_apps(db_session, quality)
    latest = max(r.period for r in stored)
    home = _org(db_session, "H85076")
    assert not any(r.organisation_id == home.id and r.period == latest for r in stored)


def test_stakeholder_rows_follow_the_home_practices_place() -> None:
    pilot: dict[str, Any] = {
        "practices": [{"ods": "H85076", "name": "Stonecot", "place": "Merton"}],
        "places": ["Croydon", "Merton"],
    }
    rows = stakeholder_rows(pilot, {p: place_code(p) for p in pilot["places"]})
    assert [(r.ods, r.parent_ods, r.category) for r in rows] == [
        ("DEMO-LA-MERTON", "PLACE-MERTON", "la_adult_safeguarding"),
        ("DEMO-MASH-MERTON", "PLACE-MERTON", "la_children_safeguarding"),
        ("DEMO-ICB-QUALITY", "DEMO-ICB", "icb_quality"),
    ]
    assert all(r.is_demo and r.type == "stakeholder" for r in rows)


def test_the_packaged_concern_app_is_the_documented_example() -> None:
    example = REPO / "docs" / "examples" / "safeguarding_concern" / "app.json"
    assert json.loads(CONCERN_FILE.read_text()) == json.loads(example.read_text())
