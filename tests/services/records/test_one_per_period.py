"""Issue 11: a periodic app holds one live record per organisation and period.

The service refuses a second record naming the first, the database refuses one that
slips past the check (two racing requests), an app may declare several per period, the
demo's bulk loader takes the same slots, and dashboards and indicators never count a
duplicate stored before the rule existed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.demo.store import PendingReturn, store_returns
from miniapps.models import Record
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access, SystemAccess
from miniapps.services.records import lifecycle
from miniapps.services.records.periods import PeriodTaken
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests.publishing import publish_app

MONTHLY: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "required": ["patients"],
        "properties": {"patients": {"type": "integer", "title": "Patients", "minimum": 0}},
    },
}


def several() -> dict[str, Any]:
    return {**MONTHLY, "id": "daily_log", "period": {"frequency": "monthly", "several": True}}


@pytest.fixture
def monthly(db_session, orgs):
    return publish_app(db_session, MONTHLY, [orgs["QWE"]])


def make(db_session, users, orgs, app, period="2025-11", ods="A00001", submit=True, who="", **data):
    user = users[who or ("practice_manager" if ods == "A00001" else "pcn_manager")]
    return lifecycle.create_record(
        db_session,
        Access(user),
        app,
        orgs[ods],
        data or {"patients": 100},
        period=period,
        submit=submit,
        actor=user,
    )


def count(db_session, app_id: str) -> int:
    return db_session.scalar(select(func.count()).where(Record.app_id == app_id)) or 0


def test_a_second_record_for_the_period_is_refused_naming_the_first(
    db_session, users, orgs, monthly
):
    first = make(db_session, users, orgs, monthly, submit=False)  # a draft holds it too
    assert first.period_slot == "2025-11"
    with pytest.raises(PeriodTaken) as caught:
        make(db_session, users, orgs, monthly, patients=200)
    assert caught.value.kind == "conflict" and caught.value.record_id == first.id
    assert f"record {first.id}" in str(caught.value) and "November 2025" in str(caught.value)
    # Before the data is looked at: invalid data gets the same answer.
    with pytest.raises(PeriodTaken):
        make(db_session, users, orgs, monthly, patients=-1)
    assert count(db_session, "monthly_return") == 1
    # Another period, another practice: each has its own slot.
    make(db_session, users, orgs, monthly, period="2025-10")
    make(db_session, users, orgs, monthly, ods="A00002")
    assert count(db_session, "monthly_return") == 3


def test_the_database_settles_a_race_the_check_missed(
    db_session, users, orgs, monthly, monkeypatch
):
    first = make(db_session, users, orgs, monthly)
    db_session.commit()
    # Another request's check ran before ``first`` existed: only the unique index is left.
    monkeypatch.setattr(lifecycle, "ensure_slot_free", lambda *args: None)
    with pytest.raises(PeriodTaken) as caught:
        make(db_session, users, orgs, monthly, patients=7)
    assert caught.value.record_id == first.id
    # The savepoint kept the transaction usable (PostgreSQL aborts it otherwise).
    assert count(db_session, "monthly_return") == 1
    db_session.commit()


def test_the_unique_index_refuses_a_second_holder(db_session, users, orgs, monthly):
    first = make(db_session, users, orgs, monthly)
    row = {
        "app_id": "monthly_return",
        "app_version": 1,
        "organisation_id": orgs["A00001"].id,
        "period": "2025-11",
        "period_slot": "2025-11",
        "data": {"patients": 1},
        "status": "submitted",
        "version": 1,
    }
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(insert(Record), [row])
    assert db_session.get(Record, first.id) is not None


def test_an_app_may_declare_several_records_per_period(db_session, users, orgs):
    app = publish_app(db_session, several(), [orgs["QWE"]])
    one = make(db_session, users, orgs, app)
    two = make(db_session, users, orgs, app, patients=5)
    assert (one.period_slot, two.period_slot) == (None, None)
    assert count(db_session, "daily_log") == 2


def test_several_must_be_a_boolean_in_the_definition():
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition({**MONTHLY, "period": {"frequency": "monthly", "several": "yes"}})
    assert any(i.pointer == "/period/several" for i in caught.value.issues)


def test_demo_returns_take_their_slot(db_session, users, orgs, monthly):
    admin = users["platform_admin"]
    at = datetime(2025, 12, 3, 9, tzinfo=UTC)
    pending = [PendingReturn(orgs["A00001"], "2025-11", {"patients": 90}, at)]
    assert store_returns(db_session, Access(admin), monthly, pending, admin) == (1, 0)
    stored = db_session.scalars(select(Record).where(Record.app_id == "monthly_return")).one()
    assert stored.period_slot == "2025-11"
    with pytest.raises(PeriodTaken):
        make(db_session, users, orgs, monthly)


def test_a_superseded_duplicate_never_counts_twice(db_session, users, orgs, monthly):
    kept = make(db_session, users, orgs, monthly, patients=100)
    # A duplicate stored before the rule existed, as migration 0008 leaves it.
    db_session.add(
        Record(
            app_id="monthly_return",
            app_version=1,
            organisation=orgs["A00001"],
            period="2025-11",
            data={"patients": 900},
            status="approved",
            superseded=True,
        )
    )
    db_session.flush()
    dashboard = app_dashboard(db_session, SystemAccess(), monthly, orgs["A00001"])
    widgets = {w["id"]: w["data"] for w in dashboard["widgets"]}
    assert widgets["records"] == {"total": 1, "by_org": {"A00001": 1}}
    assert widgets["/patients"]["sum"] == 100
    assert kept.superseded is False


def test_an_import_refuses_a_row_for_a_period_already_returned(db_session, users, orgs, monthly):
    first = make(db_session, users, orgs, monthly, patients=100)
    db_session.commit()
    csv = "ods,period,patients\nA00002,2025-11,5\nA00001,2025-11,120\n"
    report = import_records(
        db_session,
        Access(users["pcn_manager"]),
        monthly,
        csv.encode(),
        "returns.csv",
        dry_run=False,
        actor=users["pcn_manager"],
    )
    assert report.created == []
    assert [(p.row, f"record {first.id}" in p.message) for p in report.problems] == [(3, True)]
    db_session.rollback()
    assert count(db_session, "monthly_return") == 1


def test_a_dry_run_already_says_a_period_is_returned_and_a_file_may_not_hold_two(
    db_session, users, orgs, monthly
):
    first = make(db_session, users, orgs, monthly, patients=100)
    db_session.commit()
    csv = "ods,period,patients\nA00001,2025-11,120\nA00002,2025-11,5\nA00002,2025-11,6\n"
    report = import_records(
        db_session, Access(users["pcn_manager"]), monthly, csv.encode(), "r.csv", dry_run=True
    )
    assert [(p.row, p.message) for p in report.problems] == [
        (2, f"A00001 already has a record for 2025-11: record {first.id}"),
        (4, "A00002 has another record for 2025-11 in row 3"),
    ]
    assert count(db_session, "monthly_return") == 1
