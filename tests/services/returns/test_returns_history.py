"""Who owes a return follows history: targets from a date, practices that close.

The North PCN (A00001 North Surgery, A00002 Hill Surgery) has owed the monthly return
since January 2025; South Surgery (A00003) is added in July; Hill Surgery closes in
September. The financial year 2025/26 runs from April.
"""

from __future__ import annotations

from datetime import date

import pytest
from miniapps.core.periods.schedule import NOT_OWED, PeriodRules, periods_between
from miniapps.models import EndedTarget, OutboxMessage
from miniapps.services import organisations as org_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns import tracking as returns_service
from miniapps.services.returns.owing import owing_by_period
from sqlalchemy import select

from tests.publishing import publish_app
from tests.sample_definitions import MONTHLY_RETURN as MONTHLY

BASE = "https://miniapps.example.nhs.uk"
RULES = PeriodRules.from_json(MONTHLY["period"])
YEAR = periods_between("2025-04", "2026-03", RULES)  # April 2025 to March 2026
APRIL_TO_JUNE, JULY_ON = YEAR[:3], YEAR[3:]
APRIL_TO_AUGUST, SEPTEMBER_ON = YEAR[:5], YEAR[5:]
TODAY = date(2026, 4, 20)


def publish(db_session, targets, since, **options):
    return publish_app(db_session, MONTHLY, targets, since=since, **options)


@pytest.fixture
def monthly(db_session, orgs):
    return publish(db_session, [orgs["U00001"]], date(2025, 1, 1))


def submit_everything(db_session, users, orgs, app, ods, periods, who):
    user = users[who]
    for period in periods:
        record_service.create_record(
            db_session,
            Access(user),
            app,
            orgs[ods],
            {"count": 1},
            period=period,
            submit=True,
            actor=user,
        )
    db_session.commit()


def owing_codes(db_session, app, periods=YEAR):
    owing = owing_by_period(db_session, app, periods)
    return {period: [o.ods for o in found] for period, found in owing.items()}


def grid(db_session, users, app, orgs, periods=YEAR):
    return returns_service.completeness(
        db_session, Access(users["platform_admin"]), app, orgs["QWE"], periods, today=TODAY
    )


def cell(found, ods, period):
    row = next(r for r in found.rows if r.org.ods == ods)
    return next(c for c in row.cells if c.period == period)


def test_a_practice_targeted_from_july_owes_nothing_for_april_to_june(
    db_session, users, orgs, monthly
):
    publish(db_session, [orgs["U00001"], orgs["A00003"]], date(2025, 7, 1))
    owing = owing_codes(db_session, monthly)
    assert all("A00003" not in owing[p] for p in APRIL_TO_JUNE)
    assert all("A00003" in owing[p] for p in JULY_ON)
    submit_everything(db_session, users, orgs, monthly, "A00001", YEAR, "practice_staff")
    found = grid(db_session, users, monthly, orgs)
    assert [cell(found, "A00003", p).status for p in APRIL_TO_JUNE] == [NOT_OWED] * 3
    assert cell(found, "A00003", "2025-07").status == "overdue"
    assert found.percent["2025-06"] == 50  # A00001 of A00001 and A00002
    assert found.percent["2025-07"] == 33  # A00001 of all three


def test_a_target_made_mid_month_owes_that_month(db_session, orgs, monthly):
    publish(db_session, [orgs["U00001"], orgs["A00003"]], date(2025, 7, 18))
    owing = owing_codes(db_session, monthly, ["2025-06", "2025-07"])
    assert owing == {"2025-06": ["A00002", "A00001"], "2025-07": ["A00002", "A00001", "A00003"]}


def test_a_practice_closed_in_september_owes_april_to_august_only(db_session, users, orgs, monthly):
    org_service.set_activity(
        db_session, orgs["A00002"], active_from=None, closed_on=date(2025, 9, 15), today=TODAY
    )
    db_session.commit()
    assert orgs["A00002"].active is False
    owing = owing_codes(db_session, monthly)
    assert all("A00002" in owing[p] for p in APRIL_TO_AUGUST)
    assert all("A00002" not in owing[p] for p in SEPTEMBER_ON)
    found = grid(db_session, users, monthly, orgs)
    assert cell(found, "A00002", "2025-08").status == "overdue"
    assert cell(found, "A00002", "2025-09").status == NOT_OWED
    assert found.percent["2025-08"] == 0 and found.percent["2025-09"] == 0


def test_marking_a_practice_inactive_keeps_its_past_periods(db_session, orgs, monthly):
    """``active = False`` (as an import or an admin would set it) closes it from today."""
    orgs["A00002"].active = False
    db_session.commit()
    assert orgs["A00002"].closed_on == date.today()
    owing = owing_codes(db_session, monthly)
    assert all("A00002" in owing[p] for p in YEAR)  # 2025/26 lies before today


def test_a_practice_that_joined_owes_from_its_first_active_period(db_session, orgs, monthly):
    org_service.set_activity(
        db_session, orgs["A00001"], active_from=date(2025, 10, 3), closed_on=None
    )
    owing = owing_codes(db_session, monthly, ["2025-09", "2025-10"])
    assert owing == {"2025-09": ["A00002"], "2025-10": ["A00002", "A00001"]}


def test_percentage_never_exceeds_100(db_session, users, orgs, monthly):
    """Returns from practices that owe nothing that period (closed, not yet targeted)
    are shown but never counted."""
    submit_everything(db_session, users, orgs, monthly, "A00001", YEAR, "practice_staff")
    submit_everything(db_session, users, orgs, monthly, "A00002", YEAR, "pcn_manager")
    org_service.set_activity(
        db_session, orgs["A00002"], active_from=None, closed_on=date(2025, 9, 1), today=TODAY
    )
    publish(db_session, [orgs["U00001"], orgs["U00002"]], date(2025, 12, 1))
    submit_everything(db_session, users, orgs, monthly, "A00003", YEAR, "practice_manager_2")
    found = grid(db_session, users, monthly, orgs)
    assert all(0 <= found.percent[p] <= 100 for p in YEAR)
    assert found.percent["2025-08"] == 100  # A00001 and A00002
    assert found.percent["2025-11"] == 100  # A00001 alone owes: Hill's return is extra
    assert found.percent["2025-12"] == 66  # A00001 and A00003 of A00001, A00003, A00004
    closed = cell(found, "A00002", "2025-10")
    assert closed.status == NOT_OWED and closed.record_id is not None


def test_a_dropped_target_is_remembered_until_it_ended(db_session, orgs, monthly):
    publish(db_session, [orgs["A00001"]], date(2025, 10, 1), replace_targets=True)
    ended = db_session.scalars(select(EndedTarget)).one()
    assert (ended.organisation.ods, ended.targeted_from, ended.ended_on) == (
        "U00001",
        date(2025, 1, 1),
        date(2025, 10, 1),
    )
    assert [t.organisation.ods for t in monthly.targets] == ["A00001"]
    owing = owing_codes(db_session, monthly, ["2025-09", "2025-10"])
    assert owing == {"2025-09": ["A00002", "A00001"], "2025-10": ["A00001"]}


def test_due_list_follows_history(db_session, users, orgs, monthly):
    org_service.set_activity(
        db_session, orgs["A00002"], active_from=None, closed_on=date(2025, 9, 1), today=TODAY
    )
    items = returns_service.due_for(
        db_session, Access(users["pcn_manager"]), orgs["U00001"], date(2025, 10, 20), [monthly]
    )
    hill = {i.period for i in items if i.org.ods == "A00002"}
    assert hill == {"2025-05", "2025-06", "2025-07", "2025-08"}  # May to August, not later
    assert {i.period for i in items if i.org.ods == "A00001"} >= {"2025-09"}


def test_chasing_a_return_that_was_not_owed_is_refused(db_session, users, orgs, monthly):
    org_service.set_activity(
        db_session, orgs["A00002"], active_from=None, closed_on=date(2025, 9, 1), today=TODAY
    )
    manager = users["pcn_manager"]
    with pytest.raises(
        returns_service.NotOwed, match=r"Hill Surgery \(A00002\) owes no Monthly return"
    ):
        returns_service.chase(
            db_session, Access(manager), monthly, orgs["A00002"], "2025-09", manager, BASE
        )
    assert db_session.scalar(select(OutboxMessage.id)) is None
    returns_service.chase(  # August was owed: allowed (Hill Surgery has no users to email)
        db_session, Access(manager), monthly, orgs["A00002"], "2025-08", manager, BASE
    )


def test_impossible_activity_dates_are_refused_and_nothing_changes(db_session, orgs):
    hill = orgs["A00002"]
    with pytest.raises(org_service.ActivityInvalid) as caught:
        org_service.set_activity(
            db_session, hill, active_from=date(2025, 6, 1), closed_on=date(2025, 5, 1)
        )
    assert [i.pointer for i in caught.value.issues] == ["/closed_on"]
    with pytest.raises(org_service.ActivityInvalid, match="must not be in the future"):
        org_service.set_activity(
            db_session, hill, active_from=None, closed_on=date(2030, 1, 1), today=TODAY
        )
    assert (hill.active, hill.active_from, hill.closed_on) == (True, None, None)
