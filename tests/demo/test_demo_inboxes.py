"""``miniapps demo load``, the stakeholders' side: teams with a category and an area, the
incident and safeguarding app with patient safety events through every state of their
workflow and adult and child referrals in every channel state in the teams' inboxes
(one past its acknowledge deadline, which the scheduler's first run marks), the PCN's
shared learning, and the ad hoc return owned by the Merton adult safeguarding team."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from miniapps.demo.channels import stakeholder_rows
from miniapps.demo.loader import place_code
from miniapps.models import App, ChannelBreach, ChannelItem, Comment, Organisation, Record, User
from miniapps.services import app_visibility
from miniapps.services.channels.breaches import mark_breaches
from miniapps.services.channels.stakeholders import covers
from miniapps.services.permissions import Access
from miniapps.services.records.listing import records_page
from miniapps.services.records.views import view_page
from sqlalchemy import func, select

from tests.conftest import REPO

DOMAIN = "demo.miniapps.nhs.uk"
STATES = {"sent", "acknowledged", "info_requested", "decided", "closed"}
EVENT_STATES = {"draft", "submitted", "triage", "learning_response", "actions", "signed_off",
                "closed"}  # fmt: skip


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
    """The demo, loaded with the incident app as its only bundled app (and docs/examples
    beside it holding the channel example, which the demo leaves out)."""
    shutil.copytree(REPO / "apps" / "incident_reporting", tmp_path / "apps" / "incident_reporting")
    example = tmp_path / "docs" / "examples" / "safeguarding_concern"
    shutil.copytree(REPO / "docs" / "examples" / "safeguarding_concern", example)
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


def _items_by_team(db_session) -> dict[str, list[ChannelItem]]:
    by_team: dict[str, list[ChannelItem]] = {}
    for item in db_session.scalars(select(ChannelItem).order_by(ChannelItem.id)):
        by_team.setdefault(item.stakeholder.ods, []).append(item)
    return by_team


def test_the_teams_have_referrals_in_every_state(db_session, loaded) -> None:
    by_team = _items_by_team(db_session)
    for local, ods, kind in (
        ("safeguarding", "DEMO-LA-MERTON", "adult_safeguarding"),
        ("safeguarding.children", "DEMO-MASH-MERTON", "child_safeguarding"),
    ):
        access = Access(_user(db_session, local))
        mine = by_team.get(ods, [])
        assert {item.record.status for item in mine} >= STATES, ods
        assert {item.record.data["kind"] for item in mine} == {kind}
        assert all(access.holds_item(item.record) for item in mine)
    # Nobody else's inbox: another practice's nurse sees none of the Merton referrals.
    outsider = Access(_user(db_session, "practice.staff.h84015"))
    assert not any(outsider.can_see_record(i.record) for i in by_team["DEMO-LA-MERTON"])
    # A referral waiting for the practice lead has gone nowhere yet.
    waiting = db_session.scalars(
        select(Record).where(Record.app_id == "incident_reporting", Record.status == "submitted")
    ).all()
    assert {r.data["kind"] for r in waiting} >= {"patient_safety", "adult_safeguarding"}
    assert not any(r.channel_items for r in waiting)


def test_events_go_through_every_state_and_serious_ones_reach_the_icb(db_session, loaded) -> None:
    events = db_session.scalars(select(Record).where(Record.app_id == "incident_reporting")).all()
    events = [r for r in events if r.data["kind"] == "patient_safety"]
    assert {r.status for r in events} >= EVENT_STATES
    quality = Access(_user(db_session, "quality"))
    serious = _items_by_team(db_session)["DEMO-ICB-QUALITY"]
    assert all(quality.holds_item(item.record) for item in serious)
    harms = sorted(item.record.data["harm_physical"] for item in serious)
    assert harms == ["moderate", "severe"]
    (severe,) = [i.record for i in serious if i.record.data["harm_physical"] == "severe"]
    assert severe.status == "learning_response" and severe.organisation.ods == "H85076"
    reached = {item.record_id for item in serious}
    others = [r for r in events if r.id not in reached]
    assert all(r.data.get("harm_physical") in (None, "none", "low") for r in others)
    in_progress = next(r for r in events if r.status == "actions")
    assert [a.get("done", False) for a in in_progress.data["actions"]] == [True, False]


def test_the_thread_and_the_clocks_tell_a_story(db_session, loaded) -> None:
    teams = {_user(db_session, "safeguarding").id, _user(db_session, "safeguarding.children").id}
    waiting = db_session.scalars(select(Record).where(Record.status == "info_requested")).all()
    assert {r.data["kind"] for r in waiting} == {"adult_safeguarding", "child_safeguarding"}
    for record in waiting:
        question = db_session.scalars(select(Comment).where(Comment.record_id == record.id)).all()
        assert len(question) == 1 and question[0].author_id in teams
        assert question[0].body.endswith("?")
    now = datetime.now(UTC)
    for item in db_session.scalars(select(ChannelItem)):
        assert _aware(item.sent_at) < now
        if item.acknowledged_at is not None:
            assert _aware(item.sent_at) <= _aware(item.acknowledged_at)
            assert _aware(item.acknowledged_at) <= _aware(item.acknowledge_by)  # on time
        if item.closed_at is not None:
            assert item.record.status == "closed"
        if item.record.status in ("decided", "closed") and item.channel != "icb_quality":
            assert item.record.data["la_outcome"] and item.record.data["la_reasons"]
    answered = db_session.scalar(select(ChannelItem).where(ChannelItem.sends == 2))
    assert answered is not None and answered.record.status == "decided"
    thread = db_session.scalars(select(Comment).where(Comment.record_id == answered.record_id))
    assert [c.author_id in teams for c in thread] == [True, False]  # asked, then answered


def test_one_item_is_overdue_and_the_scheduler_marks_it(db_session, loaded) -> None:
    now = datetime.now(UTC)
    overdue = [
        item
        for item in db_session.scalars(select(ChannelItem))
        if item.acknowledged_at is None
        and item.acknowledge_by is not None
        and _aware(item.acknowledge_by) < now
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


def test_the_pcn_manager_sees_the_shared_learning(db_session, loaded) -> None:
    app = db_session.get(App, "incident_reporting")
    manager = Access(_user(db_session, "pcn.manager"))
    learning = view_page(db_session, manager, app, "learning", 1, 50)
    closed = db_session.scalars(
        select(Record).where(Record.app_id == "incident_reporting", Record.status == "closed")
    ).all()
    home = [
        r
        for r in closed
        if r.data["kind"] == "patient_safety" and r.organisation.parent.ods == "U52546"
    ]
    assert learning.total == len(home) >= 3
    shared = [row.shared_text for row in learning.rows if row.shared_text]
    assert len(shared) == len(learning.rows) - 1  # one practice chose not to share
    assert all(len(row.values) == 6 for row in learning.rows)


def test_the_channel_example_is_left_out_and_a_second_load_adds_nothing(
    runner, db_session, loaded
) -> None:
    assert db_session.get(App, "safeguarding_concern") is None
    assert "published incident_reporting v1" in loaded.stdout
    made = db_session.scalar(select(func.count(Record.id)))
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "records: incident_reporting already has" in again.stdout
    assert db_session.scalar(select(func.count(Record.id))) == made


def test_the_ad_hoc_return_belongs_to_the_merton_team(db_session, loaded) -> None:
    readiness = db_session.get(App, "care_home_readiness")
    assert readiness is not None
    assert readiness.owner is not None and readiness.owner.ods == "DEMO-LA-MERTON"
    assert [t.organisation.ods for t in readiness.targets] == [place_code("Merton")]
    officer = Access(_user(db_session, "safeguarding"))
    assert readiness in app_visibility.visible_apps(db_session, officer)
    stored = db_session.scalars(select(Record).where(Record.app_id == readiness.id)).all()
    assert len(stored) > 10
    assert records_page(db_session, officer, readiness, page=1, page_size=500).total == len(stored)
    quality = Access(_user(db_session, "quality"))
    assert readiness not in app_visibility.visible_apps(db_session, quality)
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
