"""``miniapps demo load``: pilot organisations, a user per role, apps, a year of records."""

from __future__ import annotations

import json
import random
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.demo.records import record_slots
from miniapps.demo.values import pattern_text, sample_record
from miniapps.models import (
    ROLES,
    App,
    AppTarget,
    AppVersion,
    AuditEntry,
    ChannelItem,
    Comment,
    Membership,
    Organisation,
    Record,
    User,
)
from sqlalchemy import func, select

from tests.conftest import IIF_DIR

MONTHLY: dict[str, Any] = {
    "id": "monthly_checks",
    "title": "Monthly checks",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["checked_on", "role", "has_dbs", "courses"],
        "properties": {
            "checked_on": {"type": "string", "format": "date", "title": "Checked on"},
            "role": {"type": "string", "oneOf": [{"const": "gp", "title": "GP"},
                                                 {"const": "nurse", "title": "Nurse"}]},
            "has_dbs": {"type": "boolean"},
            "dbs_number": {"type": "string", "pattern": "^[0-9]{12}$"},
            "hours": {"type": "number", "minimum": 0, "maximum": 40, "multipleOf": 0.5},
            "count": {"type": "integer", "exclusiveMinimum": 0, "maximum": 9},
            "tags": {"type": "array", "uniqueItems": True,
                     "items": {"type": "string", "enum": ["a", "b", "c"]}},
            "courses": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "passed"],
                "properties": {"name": {"type": "string", "minLength": 1},
                               "passed": {"type": "boolean"}}}},
        },
        "if": {"properties": {"has_dbs": {"const": True}}, "required": ["has_dbs"]},
        "then": {"required": ["dbs_number"]},
    },
    "period": {"frequency": "monthly", "due_day": 10},
}  # fmt: skip
YEARLY = {
    "id": "yearly_survey",
    "title": "Yearly survey",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["score"],
        "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}},
    },
    "period": {"frequency": "yearly"},
}


def _write(directory: Path, raw: dict[str, Any]) -> None:
    directory.mkdir(parents=True)
    (directory / "app.json").write_text(json.dumps(raw), encoding="utf-8")


@pytest.fixture
def demo_apps(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """APPS_DIR with one app; docs/examples beside it with another and a same-id duplicate."""
    apps_dir = tmp_path / "apps"
    _write(apps_dir / "monthly_checks", MONTHLY)
    _write(tmp_path / "docs" / "examples" / "yearly_survey", YEARLY)
    _write(tmp_path / "docs" / "examples" / "monthly_copy", {**MONTHLY, "title": "A copy"})
    monkeypatch.setitem(app.config, "APPS_DIR", str(apps_dir))
    return apps_dir


def _pilot(app) -> dict[str, Any]:
    return json.loads(Path(app.config["ORGANISATIONS_FILE"]).read_text(encoding="utf-8"))


def _snapshot(db_session) -> dict[str, Any]:
    counts = {
        model.__name__: db_session.scalar(select(func.count()).select_from(model))
        for model in (
            Organisation,
            User,
            Membership,
            App,
            AppVersion,
            AppTarget,
            Record,
            AuditEntry,
            ChannelItem,
            Comment,
        )
    }
    orgs = db_session.execute(
        select(
            Organisation.ods,
            Organisation.name,
            Organisation.parent_id,
            Organisation.is_demo,
            func.coalesce(Organisation.category, ""),
        )
    ).all()
    hashes = db_session.scalars(select(User.password_hash).order_by(User.email)).all()
    return {"counts": counts, "orgs": sorted(orgs), "hashes": hashes}


def test_load_twice_changes_nothing(runner, db_session, demo_apps) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    before = _snapshot(db_session)
    assert before["counts"]["Record"] > 0
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    db_session.expire_all()
    assert _snapshot(db_session) == before
    assert "organisations: 0 created, 0 updated" in second.stdout
    assert "users: 0 created, 53 in all" in second.stdout
    assert "app: unchanged monthly_checks v1" in second.stdout
    assert "records: monthly_checks already has" in second.stdout


def test_demo_content(runner, db_session, demo_apps, app) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    pilot = _pilot(app)

    # Sign-in URL and a login line for every role, with the shared password.
    assert "Sign in at http://127.0.0.1:5000" in result.stdout
    for role in ROLES:
        assert re.search(
            rf"@demo\.miniapps\.nhs\.uk\s+demo-password-2025\s+{role}\s", result.stdout
        )
    held = set(db_session.scalars(select(Membership.role)))
    assert held == set(ROLES)

    # Organisations: real codes only where the pilot file gives them; made-up ones are marked.
    real = {p["ods"] for p in pilot["pcns"]} | {p["ods"] for p in pilot["practices"]}
    orgs = list(db_session.scalars(select(Organisation)))
    for org in orgs:
        if re.fullmatch(r"[A-Z]\d{5}", org.ods):
            assert org.ods in real and not org.is_demo, org
        else:
            assert "-" in org.ods and org.is_demo, org
    assert real <= {o.ods for o in orgs}
    by_id = {o.id: o for o in orgs}
    for pcn in pilot["pcns"]:
        org = next(o for o in orgs if o.ods == pcn["ods"])
        assert org.name == pcn["name"] and by_id[org.parent_id].type == "place"
        members = [o for o in orgs if o.parent_id == org.id]
        assert len(members) == pcn["practices"]
        assert all(o.type == "practice" for o in members)
    fictional = [o for o in orgs if o.type == "practice" and o.is_demo]
    assert all(re.fullmatch(r"Demo Practice \d+ \(.+\)", o.name) for o in fictional)
    assert {"DEMO-LA-MERTON", "DEMO-MASH-MERTON", "DEMO-ICB-QUALITY"} == {
        o.ods for o in orgs if o.type == "stakeholder"
    }

    # Users at every pilot PCN: its manager, and a practice manager and nurse at two of its
    # practices (the pilot file's named ones first), always leaving one practice without,
    # so the manager has others' returns to review. The short addresses are the home PCN's.
    memberships = list(db_session.scalars(select(Membership)))
    named = {p["ods"] for p in pilot["practices"]}
    for pcn in pilot["pcns"]:
        org = next(o for o in orgs if o.ods == pcn["ods"])
        mine = [m for m in memberships if m.organisation_id == org.id]
        assert [m.role for m in mine] == ["pcn_manager"]
        members = [o for o in orgs if o.parent_id == org.id]
        staffed = {m.organisation.ods for m in memberships if m.organisation in members}
        assert len(staffed) == min(2, len(members) - 1)
        assert len(staffed & named) == min(len(staffed), len({o.ods for o in members} & named))
        for ods in staffed:
            roles = sorted(m.role for m in memberships if m.organisation.ods == ods)
            assert roles == ["practice_manager", "practice_staff"]
    home = {m.user.email: m.organisation for m in memberships}
    for local in ("practice.manager", "practice.staff"):
        practice = home[f"{local}@demo.miniapps.nhs.uk"]
        assert practice.ods in named and by_id[practice.parent_id].ods == "U52546"
    assert home["pcn.manager@demo.miniapps.nhs.uk"].ods == "U52546"
    assert home["practice.manager.h84015@demo.miniapps.nhs.uk"].ods == "H84015"
    assert len(re.findall(r"demo-password-2025", result.stdout)) == len(memberships) == 53

    # Apps: apps/ wins over a same-id copy in docs/examples; both roots are published,
    # and the stakeholders' ad hoc return (tests/demo/test_demo_inboxes.py; the channel
    # app is the bundled incident_reporting, not among these apps).
    versions = db_session.scalars(select(AppVersion)).all()
    assert sorted((v.app_id, v.title) for v in versions) == [
        ("care_home_readiness", "Care home visiting and infection control readiness"),
        ("monthly_checks", "Monthly checks"),
        ("yearly_survey", "Yearly survey"),
    ]

    # Records: one submitted return per practice per period (but the latest for practices
    # with users), each valid against its schema.
    practices = [o for o in orgs if o.type == "practice"]
    schemas = {v.app_id: v.definition["schema"] for v in versions}
    records = db_session.scalars(select(Record)).all()
    monthly = [r for r in records if r.app_id == "monthly_checks"]
    staffed = {m.organisation_id for m in memberships if m.role.startswith("practice_")}
    assert len(monthly) == 12 * len(practices) - len(staffed)
    assert len({(r.organisation_id, r.period) for r in monthly}) == len(monthly)
    # The latest month, the one due now, is left to the practices whose users sign in.
    latest = max(r.period for r in monthly)
    assert staffed.isdisjoint(r.organisation_id for r in monthly if r.period == latest)
    yearly = [r for r in records if r.app_id == "yearly_survey"]
    assert len(yearly) == len(practices) - len(staffed)
    for record in records:
        assert record.status != "draft" and record.submitted_at is not None
        assert validate_record_data(schemas[record.app_id], record.data) == []
    assert any(r.data.get("has_dbs") and r.data.get("dbs_number") for r in monthly)
    audit = db_session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.record_id.is_not(None))
    )
    assert audit >= 2 * len(records)  # created, then submitted
    assert "failed the schema" not in result.stdout

    # Targeted from the first period records were made for: those returns are owed.
    first = min(r.period for r in monthly)
    targeted = db_session.scalar(
        select(AppTarget.targeted_from).where(AppTarget.app_id == "monthly_checks")
    )
    assert targeted.isoformat()[:7] == first


def test_slots_for_apps_without_periods_spread_over_the_year() -> None:
    definition = AppDefinition(raw={**YEARLY, "period": {"frequency": "none"}})
    orgs = [Organisation(ods="A"), Organisation(ods="B")]
    slots = record_slots(definition, orgs, random.Random(1), date(2025, 6, 15))
    for org in orgs:
        mine = [s for s in slots if s.org is org]
        months = {(s.day.year, s.day.month) for s in mine}
        assert len(months) == 12 and 24 <= len(mine) <= 48
        assert all(date(2024, 7, 1) <= s.day <= date(2025, 6, 15) for s in mine)
        assert all(s.period is None for s in mine)


def test_periodic_slots_cover_the_complete_periods_of_the_last_year() -> None:
    today = date(2025, 6, 15)
    for frequency, expected in {
        "monthly": ["2024-06", "2025-05"],
        "quarterly": ["2024-Q2", "2025-Q1"],
        "yearly": ["2024", "2024"],
        "weekly": ["2024-W24", "2025-W23"],  # 15 June 2025 is in W24, not yet complete
    }.items():
        definition = AppDefinition(raw={**YEARLY, "period": {"frequency": frequency}})
        slots = record_slots(definition, [Organisation(ods="A")], random.Random(1), today)
        periods = sorted(s.period or "" for s in slots)
        assert [periods[0], periods[-1]] == expected, frequency
        assert len(periods) == len(set(periods))
        assert all(s.submitted_at.date() <= today for s in slots)


def test_sampled_records_pass_their_schema() -> None:
    definition = AppDefinition(raw=MONTHLY)
    rng = random.Random(7)
    samples = [sample_record(definition, rng, date(2025, 3, 4)) for _ in range(200)]
    made = [s for s in samples if s is not None]
    assert len(made) == len(samples)
    assert all(validate_record_data(MONTHLY["schema"], s) == [] for s in made)
    assert {s["checked_on"] for s in made} == {"2025-03-04"}
    assert {s["role"] for s in made} == {"gp", "nurse"}


def test_pattern_text_matches_simple_patterns() -> None:
    rng = random.Random(3)
    for pattern in (r"^[0-9]{12}$", r"^[A-Z]\d{5}$", r"^(ab|cd)-[^x]+\w?$", r"^\S+@nhs\.net$"):
        text = pattern_text(pattern, rng)
        assert text is not None and re.search(pattern, text), pattern
    assert pattern_text(r"^(?=a)b$", rng) is None  # look-ahead: not sampled


def test_an_invalid_bundled_app_is_reported_and_the_rest_loads(
    runner, db_session, app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps_dir = tmp_path / "apps"
    _write(apps_dir / "broken", {**YEARLY, "id": "Broken"})
    _write(apps_dir / "yearly_survey", YEARLY)
    monkeypatch.setitem(app.config, "APPS_DIR", str(apps_dir))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert f"{apps_dir / 'broken' / 'app.json'}:/id: must start with" in result.stdout
    assert "app: published yearly_survey v1" in result.stdout
    assert db_session.scalar(select(func.count()).select_from(Record)) > 0  # committed


def test_an_app_with_indicator_year_sets_gets_them_and_monthly_returns(
    runner, db_session, app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps_dir = tmp_path / "apps"
    shutil.copytree(IIF_DIR, apps_dir / "iif_tracker")
    monkeypatch.setitem(app.config, "APPS_DIR", str(apps_dir))
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "app: loaded iif_tracker indicator set 2025/26 v1 (illustrative)" in first.stdout
    assert "app: loaded iif_tracker indicator set 2026/27 v1 (illustrative)" in first.stdout
    assert "generating monthly indicator returns for iif_tracker" in first.stderr
    assert re.search(r"records: \d+ created for iif_tracker", first.stdout)
    before = _snapshot(db_session)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "app: unchanged iif_tracker indicator set 2026/27 v1 (illustrative)" in second.stdout
    db_session.expire_all()
    assert _snapshot(db_session) == before
