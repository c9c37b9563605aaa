"""Record deadlines, pure: due dates in working days (across a bank holiday), calendar
days and months; met by an action or a state; no longer needed once an ``until`` state
is reached in time, missed when it is reached late; the words people read."""

from __future__ import annotations

from datetime import date

import pytest
from miniapps.core.records.deadlines import (
    Deadline,
    RecordFacts,
    add_months,
    deadline_status,
    deadlines_of,
    due_date,
)

# England and Wales, spring 2026: Good Friday 3 April, Easter Monday 6 April.
HOLIDAYS = frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4)})

ACKNOWLEDGE, HOLDING = deadlines_of(
    [
        {"id": "acknowledge", "title": "Acknowledge within 3 working days",
         "from": "/received_on", "working_days": 3, "met_by": "action:acknowledge",
         "remind_days_before": 1},
        {"id": "holding_letter", "title": "Holding letter by 6 months", "from": "/received_on",
         "months": 6, "met_by": "action:send_holding_letter", "until": ["responded", "closed"]},
    ]
)  # fmt: skip


def facts(
    received: str | None = "2026-04-01", status: str = "received", **kw: object
) -> RecordFacts:
    data = {"received_on": received} if received else {}
    return RecordFacts(
        data=data,
        status=status,
        created_on=date(2026, 4, 1),
        submitted_on=kw.pop("submitted_on", date(2026, 4, 1)),  # type: ignore[arg-type]
        actions=kw.pop("actions", {}),  # type: ignore[arg-type]
        states=kw.pop("states", {}),  # type: ignore[arg-type]
        final=bool(kw.pop("final", False)),
    )


def test_working_days_skip_the_weekend_and_the_easter_bank_holidays() -> None:
    # Wednesday 1 April: Thursday 2, (Good Friday, weekend, Easter Monday), Tuesday 7, Wednesday 8.
    assert due_date(ACKNOWLEDGE, date(2026, 4, 1), HOLIDAYS) == date(2026, 4, 8)
    # Without the holidays it would be Monday 6 April.
    assert due_date(ACKNOWLEDGE, date(2026, 4, 1), frozenset()) == date(2026, 4, 6)
    # Received on a Saturday: counted from the Monday after.
    assert due_date(ACKNOWLEDGE, date(2026, 3, 7), HOLIDAYS) == date(2026, 3, 11)


def test_calendar_days_and_months() -> None:
    days = Deadline.from_json(
        {"id": "d", "title": "D", "from": "created", "days": 10, "met_by": "state:closed"}
    )
    assert due_date(days, date(2026, 4, 1), HOLIDAYS) == date(2026, 4, 11)
    assert due_date(HOLDING, date(2026, 4, 1), HOLIDAYS) == date(2026, 10, 1)
    # The month's last day when the later month is shorter (and a leap year's 29th).
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_an_open_deadline_is_due_then_due_soon_then_overdue() -> None:
    before = deadline_status(ACKNOWLEDGE, facts(), date(2026, 4, 2), HOLIDAYS)
    assert (before.standing, before.due, before.days) == ("open", date(2026, 4, 8), 6)
    assert before.text == "Due in 6 days"
    soon = deadline_status(ACKNOWLEDGE, facts(), date(2026, 4, 7), HOLIDAYS)
    assert (soon.standing, soon.text) == ("due_soon", "Due in 1 day")
    assert deadline_status(ACKNOWLEDGE, facts(), date(2026, 4, 8), HOLIDAYS).text == "Due today"
    late = deadline_status(ACKNOWLEDGE, facts(), date(2026, 4, 10), HOLIDAYS)
    assert (late.standing, late.days, late.problem) == ("overdue", 2, True)
    assert late.text == "Overdue by 2 days"


def test_met_by_the_first_time_the_action_was_taken() -> None:
    on_time = facts(actions={"acknowledge": date(2026, 4, 8)}, status="acknowledged")
    met = deadline_status(ACKNOWLEDGE, on_time, date(2026, 5, 1), HOLIDAYS)
    assert (met.standing, met.met_on, met.problem) == ("met", date(2026, 4, 8), False)
    assert met.text == "Met on 8 April 2026"
    slow = facts(actions={"acknowledge": date(2026, 4, 10)}, status="acknowledged")
    late = deadline_status(ACKNOWLEDGE, slow, date(2026, 5, 1), HOLIDAYS)
    assert (late.standing, late.days) == ("late", 2)
    assert late.text == "Met 2 days late, on 10 April 2026"


def test_met_by_reaching_a_state() -> None:
    closing = Deadline.from_json(
        {"id": "close", "title": "Close in 20 days", "from": "submitted", "days": 20,
         "met_by": "state:closed"}
    )  # fmt: skip
    done = facts(states={"closed": date(2026, 4, 15)}, status="closed", final=True)
    assert deadline_status(closing, done, date(2026, 6, 1), HOLIDAYS).standing == "met"
    waiting = facts(submitted_on=None)
    status = deadline_status(closing, waiting, date(2026, 6, 1), HOLIDAYS)
    assert (status.standing, status.due, status.text) == ("not_started", None, "Not started yet")


def test_until_reached_in_time_means_the_deadline_is_not_needed() -> None:
    answered = facts(status="responded", states={"responded": date(2026, 6, 1)})
    status = deadline_status(HOLDING, answered, date(2026, 12, 1), HOLIDAYS)
    assert (status.standing, status.problem, status.text) == (
        "not_needed",
        False,
        "No longer needed",
    )


def test_until_reached_after_the_due_date_is_a_missed_deadline() -> None:
    answered_late = facts(status="closed", final=True, states={"responded": date(2026, 11, 2)})
    status = deadline_status(HOLDING, answered_late, date(2026, 12, 1), HOLIDAYS)
    assert (status.standing, status.problem) == ("missed", True)
    assert status.text == "Missed: not met by 1 October 2026"


def test_past_six_months_without_a_response_or_holding_letter_is_overdue() -> None:
    waiting = facts(status="acknowledged", actions={"acknowledge": date(2026, 4, 2)})
    status = deadline_status(HOLDING, waiting, date(2026, 10, 5), HOLIDAYS)
    assert (status.standing, status.days) == ("overdue", 4)
    with_letter = facts(status="holding_letter_sent",
                        actions={"send_holding_letter": date(2026, 9, 28)})  # fmt: skip
    assert deadline_status(HOLDING, with_letter, date(2026, 10, 5), HOLIDAYS).standing == "met"


@pytest.mark.parametrize("value", [None, "", "not a date", 12])
def test_no_date_to_count_from_means_not_started(value: object) -> None:
    odd = RecordFacts({"received_on": value}, "received", date(2026, 4, 1), None, {}, {})
    assert deadline_status(ACKNOWLEDGE, odd, date(2026, 4, 20), HOLIDAYS).standing == "not_started"


def test_a_final_record_is_no_longer_chased() -> None:
    withdrawn = facts(status="withdrawn", final=True)
    assert deadline_status(ACKNOWLEDGE, withdrawn, date(2026, 4, 2), HOLIDAYS).standing == (
        "not_needed"
    )
    assert deadline_status(ACKNOWLEDGE, withdrawn, date(2026, 4, 20), HOLIDAYS).standing == (
        "missed"
    )
