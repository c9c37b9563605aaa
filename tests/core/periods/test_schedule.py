"""Due dates, financial years, overdue and the status of one return."""

from __future__ import annotations

from datetime import date

import pytest
from miniapps.core.periods.schedule import (
    NOT_OWED,
    PeriodRules,
    Span,
    deciding_day,
    due_date,
    last_periods,
    overdue_from,
    owes_in_period,
    percent_complete,
    period_bounds,
    period_containing,
    periods_between,
    return_status,
)

MONTHLY = PeriodRules.from_json({"frequency": "monthly", "due_day": 10, "grace_days": 3})


def status(record_status, today, period="2025-04", locked=False, rules=MONTHLY):
    return return_status(
        record_status,
        initial="draft",
        final_states=["approved"],
        period=period,
        rules=rules,
        today=today,
        locked=locked,
    )


def test_monthly_due_on_due_day_of_next_month_and_overdue_after_grace():
    assert due_date("2025-04", MONTHLY) == date(2025, 5, 10)
    assert overdue_from("2025-04", MONTHLY) == date(2025, 5, 14)
    assert due_date("2025-12", MONTHLY) == date(2026, 1, 10)


def test_due_day_is_capped_at_the_month_end():
    rules = PeriodRules.from_json({"frequency": "monthly", "due_day": 31})
    assert due_date("2025-01", rules) == date(2025, 2, 28)
    assert due_date("2024-01", rules) == date(2024, 2, 29)


def test_default_due_day_is_the_first_day_after_the_period():
    rules = PeriodRules.from_json({"frequency": "quarterly"})
    assert due_date("2025-Q1", rules) == date(2025, 4, 1)
    assert overdue_from("2025-Q1", rules) == date(2025, 4, 2)


def test_weekly_due_day_is_a_day_of_the_following_week():
    rules = PeriodRules.from_json({"frequency": "weekly", "due_day": 3})
    start, end = period_bounds("2025-W07")
    assert (start, end) == (date(2025, 2, 10), date(2025, 2, 16))
    assert due_date("2025-W07", rules) == date(2025, 2, 19)  # Wednesday after


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2025-Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q3", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-Q4", date(2026, 1, 1), date(2026, 3, 31)),
        ("2025", date(2025, 4, 1), date(2026, 3, 31)),
    ],
)
def test_financial_year_quarters_and_years_run_april_to_march(period, start, end):
    assert period_bounds(period, financial_year=True) == (start, end)


def test_period_containing_a_day_in_the_financial_year():
    assert period_containing(date(2026, 2, 1), "quarterly", True) == "2025-Q4"
    assert period_containing(date(2026, 2, 1), "quarterly", False) == "2026-Q1"
    assert period_containing(date(2026, 3, 31), "yearly", True) == "2025"
    assert period_containing(date(2026, 4, 1), "yearly", True) == "2026"
    yearly = PeriodRules.from_json({"frequency": "yearly", "financial_year": True, "due_day": 30})
    assert due_date("2025", yearly) == date(2026, 4, 30)


def test_last_periods_oldest_first_across_years():
    assert last_periods(date(2026, 2, 15), MONTHLY, 3) == ["2025-12", "2026-01", "2026-02"]
    fyq = PeriodRules.from_json({"frequency": "quarterly", "financial_year": True})
    assert last_periods(date(2026, 5, 1), fyq, 3) == ["2025-Q3", "2025-Q4", "2026-Q1"]
    weekly = PeriodRules.from_json({"frequency": "weekly"})
    assert last_periods(date(2026, 1, 1), weekly, 2) == ["2025-W52", "2026-W01"]


def test_periods_between():
    assert periods_between("2025-11", "2026-02", MONTHLY) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert periods_between("2026-02", "2025-11", MONTHLY) == []


def test_status_of_one_return():
    before, after = date(2025, 5, 13), date(2025, 5, 14)
    assert status(None, before) == "not_started"
    assert status("draft", before) == "draft"
    assert status(None, after) == "overdue"
    assert status("draft", after) == "overdue"
    assert status("submitted", after) == "submitted"
    assert status("approved", after) == "approved"
    assert status(None, after, locked=True) == "locked"
    assert status("draft", before, locked=True) == "locked"
    assert status("approved", after, locked=True) == "approved"


def test_owed_by_types_and_orgs():
    default = PeriodRules.from_json({"frequency": "monthly"})
    assert default.owes("practice", "A00001") and not default.owes("pcn", "U00001")
    only = PeriodRules.from_json({"frequency": "monthly", "owed_by": {"orgs": ["u00001"]}})
    assert only.owes("pcn", "U00001") and not only.owes("practice", "A00001")
    both = PeriodRules.from_json(
        {"frequency": "monthly", "owed_by": {"types": ["pcn"], "orgs": ["A00001"]}}
    )
    assert both.owes("pcn", "U00002") and both.owes("practice", "A00001")
    assert not both.owes("practice", "A00002")


def test_percent_complete_never_above_100():
    assert percent_complete([]) == 0
    assert percent_complete(["submitted", "approved", "overdue"]) == 66
    assert percent_complete(["approved"] * 4) == 100


ALWAYS = Span()


def owes(period, active=ALWAYS, targeted=(ALWAYS,), org_type="practice", rules=MONTHLY):
    return owes_in_period(
        period, rules, org_type=org_type, ods="A00001", active=active, targeted=targeted
    )


def test_the_last_day_of_a_period_decides_who_owes():
    assert deciding_day("2025-09", MONTHLY) == date(2025, 9, 30)
    from_july = (Span(date(2025, 7, 1)),)
    assert not owes("2025-06", targeted=from_july) and owes("2025-07", targeted=from_july)
    assert owes("2025-07", targeted=(Span(date(2025, 7, 31)),))  # targeted on the last day
    closed_mid_september = Span(None, date(2025, 9, 15))
    assert owes("2025-08", active=closed_mid_september)
    assert not owes("2025-09", active=closed_mid_september)
    assert owes("2025-09", active=Span(None, date(2025, 10, 1)))  # closed from October
    dropped = (Span(date(2025, 1, 1), date(2025, 10, 1)), Span(date(2026, 1, 1)))
    assert [owes(p, targeted=dropped) for p in ("2025-09", "2025-10", "2026-01")] == [
        True,
        False,
        True,
    ]
    assert not owes("2025-09", targeted=())
    assert not owes("2025-09", org_type="pcn")  # owed_by: practices by default


def test_financial_year_periods_are_decided_on_their_last_day():
    yearly = PeriodRules.from_json({"frequency": "yearly", "financial_year": True})
    assert deciding_day("2025", yearly) == date(2026, 3, 31)
    assert not owes("2025", active=Span(None, date(2026, 2, 1)), rules=yearly)
    assert not owes("2025", rules=PeriodRules.from_json({"frequency": "none"}))


def test_percent_complete_leaves_out_periods_not_owed():
    assert percent_complete(["submitted", NOT_OWED, NOT_OWED]) == 100
    assert percent_complete([NOT_OWED]) == 0
    assert percent_complete(["approved", "overdue", NOT_OWED]) == 50
