"""Demo data for an app whose indicators are yearly data: the bundled IIF tracker."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.indicators.arithmetic import IndicatorSpec
from miniapps.core.indicators.source import count_issues
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.demo.indicator_figures import MonthFigures, gap_to_next_threshold
from miniapps.demo.indicators import OWNERS, demo_months
from miniapps.demo.loader import load_demo
from miniapps.demo.records import add_months
from miniapps.demo.store import PendingReturn, store_returns
from miniapps.demo.users import DEMO_ICB, HOME_PCN
from miniapps.models import App, AuditEntry, IndicatorSet, Membership, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.definitions import record_definition
from miniapps.services.indicators.overview import indicator_overview
from miniapps.services.indicators.results import results_for
from miniapps.services.indicators.year_sets import year_set_for
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.lifecycle import (
    allowed_actions,
    apply_transition,
    create_record,
)
from miniapps.services.returns.tracking import due_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import IIF_DIR, iif_data

TODAY = date(2026, 11, 23)
LAST_MONTH = "2026-10"


@pytest.fixture
def load(app, db_session: Session, tmp_path: Path):
    """``load()`` runs the demo with only the IIF tracker (a copy, so its data/ can be
    changed) on 23 November 2026 and commits; ``load.app_dir`` is the copy."""
    app_dir = tmp_path / "apps" / "iif_tracker"
    shutil.copytree(IIF_DIR, app_dir)

    def run() -> Any:
        report = load_demo(
            db_session,
            pilot_file=Path(app.config["ORGANISATIONS_FILE"]),
            apps_dirs=[app_dir.parent],
            password="demo-password-2025",
            today=TODAY,
        )
        db_session.commit()
        return report

    run.app_dir = app_dir  # type: ignore[attr-defined]
    return run


def _practices(db_session: Session) -> dict[int, Organisation]:
    icb = db_session.scalars(select(Organisation).where(Organisation.ods == DEMO_ICB)).one()
    query = select(Organisation).where(
        subtree(icb.path), Organisation.type == "practice", Organisation.active
    )
    return {o.id: o for o in db_session.scalars(query)}


def _counts(db_session: Session) -> dict[str, int]:
    return {
        model.__name__: db_session.scalars(select(func.count()).select_from(model)).one()
        for model in (Record, AuditEntry, IndicatorSet)
    }


def test_every_owing_practice_returns_every_month_with_plausible_figures(
    load, db_session: Session
) -> None:
    report = load()
    assert report.records_invalid == 0 and not report.problems
    assert "loaded iif_tracker indicator set 2025/26 v1 (illustrative)" in report.apps
    assert "loaded iif_tracker indicator set 2026/27 v1 (illustrative)" in report.apps
    months = demo_months(TODAY)
    assert (months[0], months[-1], len(months)) == ("2025-04", LAST_MONTH, 19)

    practices = _practices(db_session)
    records = db_session.scalars(select(Record).where(Record.app_id == "iif_tracker")).all()
    assert len({(r.organisation_id, r.period) for r in records}) == len(records)
    returned = Counter(r.period for r in records if r.status != "draft")
    assert all(returned[m] == len(practices) for m in months[:-1])
    assert set(returned) == set(months)

    # Last month: open for every practice with demo users (theirs to fill in, shown as due
    # to the practice manager); in each PCN one return awaits its manager's review, in two
    # a draft is half done; the rest returned, and every return in a PCN is approved by
    # its demo manager, but for those awaiting review.
    last = {r.organisation_id: r for r in records if r.period == LAST_MONTH}
    user_practices = {
        m.organisation_id
        for m in db_session.scalars(select(Membership))
        if m.role in ("practice_manager", "practice_staff")
    }
    assert len(user_practices) >= 2 * 9 and user_practices.isdisjoint(last)
    assert [r.status for r in last.values()].count("draft") == 2
    assert len([r for r in last.values() if r.status != "draft"]) > len(practices) / 2
    home = db_session.scalars(select(Membership).where(Membership.role == "practice_manager"))
    manager = next(m for m in home if m.user.email.startswith("practice.manager@"))
    app = db_session.get_one(App, "iif_tracker")
    due = due_for(db_session, Access(manager.user), manager.organisation, TODAY, [app])
    assert [(d.period, d.status) for d in due] == [(LAST_MONTH, "overdue")]
    pcn_managers = {
        m.organisation_id: m.user
        for m in db_session.scalars(select(Membership).where(Membership.role == "pcn_manager"))
    }
    assert len(pcn_managers) == 10  # every pilot PCN
    reviews: Counter[int] = Counter()
    for record in records:
        pcn = practices[record.organisation_id].parent_id
        if record.status == "submitted" and pcn in pcn_managers:
            assert record.period == LAST_MONTH
            reviews[pcn] += 1
            actions = allowed_actions(Access(pcn_managers[pcn]), db_session, record)
            assert {"approve", "return"} <= {t.action for t in actions}
        elif record.status == "approved":
            assert pcn in pcn_managers and record.version == 3
            assert record.updated_by_id == pcn_managers[pcn].id != record.created_by_id
            assert record.updated_at >= record.submitted_at  # type: ignore[operator]
    assert set(reviews.values()) == {1} and set(reviews) == set(pcn_managers)

    plans: list[dict[str, Any]] = []
    for record in records:
        definition = record_definition(db_session, record)
        assert validate_record_data(definition.schema, record.data) == []
        assert count_issues(definition, record.data) == []
        year_set = year_set_for(db_session, "iif_tracker", record.period)
        assert year_set is not None and record.period is not None
        rows = record.data["indicators"]
        if record.status != "draft":
            assert sorted(rows) == sorted(year_set.codes)  # JSONB keeps no order
            assert record.submitted_at is not None
            month_end = add_months(date.fromisoformat(record.period + "-01"), 1)
            assert month_end < record.submitted_at.date() + timedelta(days=1) <= TODAY
        assert 3900 <= record.data["list_size"] <= 23000  # 4,000-22,000, drifting
        for row in rows.values():
            assert 0 <= row["numerator"] <= row["denominator"]
            assert row["exclusions"] <= row["denominator"] * 0.08 + 1
            plans += [row["plan"]] if "plan" in row else []
    assert len(plans) > 100
    assert {p["owner"] for p in plans} <= set(OWNERS)
    assert all(p["patients_to_invite"] > 0 and p["clinics_booked"] > 0 for p in plans)

    admin = db_session.scalars(select(User).where(User.email.startswith("admin@"))).one()
    _check_year_shapes(db_session, records)
    _check_rag_at_every_level(db_session, Access(admin), practices)
    _check_pcn_page(db_session, Access(admin))


def _check_year_shapes(db_session: Session, records: Sequence[Record]) -> None:
    """Accumulating indicators build up from near 0 in April and never go back;
    the lower-is-better indicator sits around its thresholds."""
    by_practice: dict[tuple[int, str], list[tuple[str, int]]] = {}
    april = Counter[str]()
    for record in sorted(records, key=lambda r: r.period or ""):
        assert record.period is not None
        if record.period < "2026-04" and record.status != "draft":
            row = record.data["indicators"]["HI-03"]
            by_practice.setdefault((record.organisation_id, "HI-03"), []).append(
                (record.period, row["numerator"])
            )
            if record.period == "2025-04":
                april.update(numerator=row["numerator"], denominator=row["denominator"])
    for series in by_practice.values():
        numerators = [n for _, n in series]
        assert numerators == sorted(numerators)
    assert april["numerator"] / april["denominator"] < 0.15
    amr = [
        r.data["indicators"]["AMR-02"]
        for r in records
        if r.period == LAST_MONTH and r.status != "draft"
    ]
    shares = [row["numerator"] / row["denominator"] for row in amr if row["denominator"]]
    assert 0.05 < sum(shares) / len(shares) < 0.12


def _check_rag_at_every_level(
    db_session: Session, access: Access, practices: dict[int, Organisation]
) -> None:
    app = db_session.get_one(App, "iif_tracker")
    icb = db_session.scalars(select(Organisation).where(Organisation.ods == DEMO_ICB)).one()
    pcns = {o.parent for o in practices.values() if o.parent is not None and o.parent.type == "pcn"}
    for orgs in ([icb], sorted(pcns, key=lambda o: o.ods), list(practices.values())):
        rags = {
            r.rag for org in orgs for r in results_for(db_session, access, app, org, LAST_MONTH)
        }
        assert {"red", "amber", "green"} <= rags, orgs[0].type
    earlier = {r.rag for r in results_for(db_session, access, app, icb, "2025-09")}
    assert len(earlier) == 2  # two indicators in 2025/26: CAN-04 and the accumulating HI-03


def _check_pcn_page(db_session: Session, access: Access) -> None:
    """The home PCN's page has returns to chase, one to review and a denominator jump."""
    app = db_session.get_one(App, "iif_tracker")
    pcn = db_session.scalars(select(Organisation).where(Organisation.ods == HOME_PCN)).one()
    overview = indicator_overview(db_session, access, app, pcn, LAST_MONTH, today=TODAY)
    assert overview.completeness is not None
    statuses = [row.cells[0].status for row in overview.completeness.rows]
    assert statuses.count("overdue") == 2 and statuses.count("submitted") == 1
    assert statuses.count("approved") == len(statuses) - 3
    jumps = [i for i in overview.coding_issues if i.kind == "denominator_jump"]
    assert len(jumps) == 1 and jumps[0].ods != pcn.ods
    earned, remaining = overview.totals["earned"], overview.totals["remaining"]
    assert earned is not None and earned > 0 and remaining is not None and remaining > 0


def test_loading_again_adds_nothing(load, db_session: Session) -> None:
    load()
    before = _counts(db_session)
    assert before["IndicatorSet"] == 2
    report = load()
    assert _counts(db_session) == before
    assert "unchanged iif_tracker indicator set 2025/26 v1 (illustrative)" in report.apps
    assert report.records_kept["iif_tracker"] > 0 and not report.records_created


def test_a_bad_year_set_is_reported_and_its_months_left_out(load, db_session: Session) -> None:
    path = load.app_dir / "data" / "2026-27.json"
    raw = json.loads(path.read_text())
    raw["indicators"][0]["lower_threshold"] = 0.9  # above its upper threshold (0.80)
    path.write_text(json.dumps(raw))
    report = load()
    assert any(
        line.startswith(f"{path}:/indicators/0/") and "threshold" in line
        for line in report.problems
    ), report.problems
    periods = set(db_session.scalars(select(Record.period).where(Record.app_id == "iif_tracker")))
    assert periods == {m for m in demo_months(TODAY) if m < "2026-04"}


def test_stored_returns_match_those_made_by_create_record(
    db_session: Session, iif_app, orgs, users
) -> None:
    admin = users["platform_admin"]
    access = Access(admin)
    data = iif_data(9000, CAN_04=(30, 40, 2), HI_03=(10, 20))
    made = create_record(
        db_session,
        access,
        iif_app,
        orgs["A00001"],
        data,
        period="2025-06",
        submit=True,
        actor=admin,
    )
    at = made.created_at
    stored, refused = store_returns(
        db_session,
        access,
        iif_app,
        [
            PendingReturn(orgs["A00002"], "2025-06", data, at),
            PendingReturn(orgs["A00003"], "2025-06", {"list_size": 9000}, at, submit=False),
            # refused: an indicator the year does not have, a numerator above its denominator
            PendingReturn(orgs["A00004"], "2025-06", iif_data(9000, ACC_08=(1, 2)), at),
            PendingReturn(orgs["A00004"], "2025-07", iif_data(9000, CAN_04=(5, 4)), at),
        ],
        admin,
    )
    assert (stored, refused) == (2, 2)
    db_session.commit()
    twin, draft = (
        db_session.scalars(select(Record).where(Record.organisation_id == orgs[ods].id)).one()
        for ods in ("A00002", "A00003")
    )

    def trail(record: Record) -> list[tuple[str, Any, int | None]]:
        entries = db_session.scalars(
            select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
        )
        return [(e.action, e.changes, e.actor_id) for e in entries]

    fields = ("status", "version", "app_version", "period", "data", "created_by_id")
    assert [getattr(twin, f) for f in fields] == [getattr(made, f) for f in fields]
    naive = at.replace(tzinfo=None)  # SQLite gives back naive UTC
    assert twin.submitted_at is not None
    assert twin.submitted_at.replace(tzinfo=None) == twin.created_at.replace(tzinfo=None) == naive
    assert trail(twin) == trail(made)
    assert (draft.status, draft.version, draft.submitted_at) == ("draft", 1, None)
    assert [action for action, _, _ in trail(draft)] == ["create"]


def test_stored_approved_returns_match_those_approved_by_their_pcn_manager(
    db_session: Session, iif_app, orgs, users
) -> None:
    admin, approver = users["platform_admin"], users["pcn_manager"]
    data = iif_data(9000, CAN_04=(30, 40, 2), HI_03=(10, 20))
    made = create_record(
        db_session, Access(admin), iif_app, orgs["A00001"], data,
        period="2025-06", submit=True, actor=admin,
    )  # fmt: skip
    apply_transition(db_session, Access(approver), made, "approve", comment=None, actor=approver)
    at = made.created_at
    later = at + timedelta(days=2)
    pending = [PendingReturn(orgs["A00002"], "2025-06", data, at, True, approver, later)]
    assert store_returns(db_session, Access(admin), iif_app, pending, admin) == (1, 0)
    db_session.commit()
    twin = db_session.scalars(
        select(Record).where(Record.organisation_id == orgs["A00002"].id)
    ).one()
    fields = ("status", "version", "updated_by_id", "created_by_id", "data")
    assert [getattr(twin, f) for f in fields] == [getattr(made, f) for f in fields]
    assert twin.status == "approved" and twin.updated_at.replace(tzinfo=None) == later.replace(
        tzinfo=None
    )

    def trail(record: Record) -> list[tuple[str, Any, int | None]]:
        entries = db_session.scalars(
            select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
        )
        return [(e.action, e.changes, e.actor_id) for e in entries]

    assert trail(twin) == trail(made)

    # Nobody approves what they submitted, nor outside the organisations they approve for.
    for who, ods in ((admin, "A00003"), (approver, "A00003")):
        bad = [PendingReturn(orgs[ods], "2025-06", data, at, True, who, later)]
        with pytest.raises(Forbidden):
            store_returns(db_session, Access(admin), iif_app, bad, admin)


SPEC = {"code": "X", "title": "X", "numerator": "/n", "denominator": "/d", "max_points": 10}


@pytest.mark.parametrize(
    ("direction", "low", "high", "numerator", "denominator", "gap"),
    [
        ("higher", 0.65, 0.80, 60, 100, 5),  # below LT: to the lower threshold
        ("higher", 0.65, 0.80, 70, 100, 10),  # between: to the upper
        ("higher", 0.65, 0.80, 80, 100, 0),  # green
        ("higher", 0.55, 0.80, 54, 100, 1),  # 0.55 x 100 is exactly 55
        ("higher", 0.65, 0.80, 0, 0, 0),  # no eligible patients
        ("lower", 0.10, 0.08, 12, 100, 2),  # above LT: items to come off the numerator
        ("lower", 0.10, 0.08, 9, 100, 1),
        ("lower", 0.10, 0.08, 8, 100, 0),
    ],
)
def test_gap_to_next_threshold(direction, low, high, numerator, denominator, gap) -> None:
    raw = {**SPEC, "direction": direction, "lower_threshold": low, "upper_threshold": high}
    spec = IndicatorSpec.from_json(raw)
    assert gap_to_next_threshold(spec, MonthFigures(numerator, denominator, 0)) == gap
    assert isinstance(spec.lower_threshold, Decimal)


def test_figures_are_seeded_by_app_and_practice() -> None:
    from miniapps.core.indicators.year_sets import parse_year_set
    from miniapps.demo.indicator_figures import list_sizes, year_figures

    year_set = parse_year_set(json.loads((IIF_DIR / "data" / "2026-27.json").read_text()))
    sizes = list_sizes("iif_tracker", "A00001", 12)
    figures = year_figures("iif_tracker", year_set, "A00001", sizes)
    assert figures == year_figures("iif_tracker", year_set, "A00001", sizes)
    assert figures != year_figures("other_app", year_set, "A00001", sizes)
    assert figures != year_figures("iif_tracker", year_set, "A00002", sizes)
    assert sorted(figures) == sorted(year_set.codes)
    assert all(len(months) == 12 for months in figures.values())
