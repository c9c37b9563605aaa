"""Where stored records' deadlines stand, read from their audit trail: met by the first
time the action was taken (dated by its audit entry), late when after the due date, not
needed once the record reached an ``until`` state in time; the working-day calendar in
use is the loaded one; many records cost a fixed handful of statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from miniapps.core.channels.working_days import add_working_days
from miniapps.models import App, Organisation
from miniapps.services.channels.calendar import holidays, replace_calendar
from miniapps.services.definitions import record_definition
from miniapps.services.records.deadlines import deadlines_for, record_deadlines
from sqlalchemy.orm import Session

from tests.cqc_deadlines import complaint, noon, publish_complaints, take
from tests.statements import recorded_statements

TODAY = date.today()
ACK = {"discussion_offered": True}


def standings(session: Session, record: Any, now: datetime | None = None) -> dict[str, Any]:
    found = record_deadlines(session, record, record_definition(session, record), now)
    return {s.deadline.id: (s.standing, s.due, s.met_on) for s in found}


def _setup(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_complaints(db_session, orgs)


def test_met_on_time_or_late_by_the_day_of_the_step(db_session: Session, orgs, users) -> None:
    app = _setup(db_session, orgs)
    staff, pm = users["practice_staff"], users["practice_manager"]
    received = TODAY - timedelta(days=60)
    due = add_working_days(received, 3, holidays(db_session))
    prompt = complaint(db_session, app, orgs["A00001"], staff, received)
    take(db_session, prompt, pm, "acknowledge", due, {**ACK, "acknowledged_on": due.isoformat()})
    slow = complaint(db_session, app, orgs["A00001"], staff, received)
    after = due + timedelta(days=1)
    take(db_session, slow, pm, "acknowledge", after, {**ACK, "acknowledged_on": after.isoformat()})
    assert standings(db_session, prompt)["acknowledge"] == ("met", due, due)
    assert standings(db_session, slow)["acknowledge"] == ("late", due, after)


def test_the_holding_letter_is_not_needed_once_answered_in_time(
    db_session: Session, orgs, users
) -> None:
    app = _setup(db_session, orgs)
    staff, pm = users["practice_staff"], users["practice_manager"]
    received = TODAY - timedelta(days=100)
    record = complaint(db_session, app, orgs["A00001"], staff, received)
    take(db_session, record, pm, "acknowledge", received,
         {**ACK, "acknowledged_on": received.isoformat()})  # fmt: skip
    assert standings(db_session, record)["holding_letter"][0] == "open"
    answer = {"response_on": TODAY.isoformat(), "outcome": "not_upheld", "ombudsman_named": True}
    take(db_session, record, pm, "respond", TODAY, answer)
    assert standings(db_session, record)["holding_letter"][0] == "not_needed"


def test_the_loaded_calendar_decides_the_working_days(db_session: Session, orgs, users) -> None:
    app = _setup(db_session, orgs)
    monday = TODAY - timedelta(days=TODAY.weekday() + 14)  # a Monday two weeks ago
    record = complaint(db_session, app, orgs["A00001"], users["practice_staff"], monday)
    assert standings(db_session, record)["acknowledge"][1] == monday + timedelta(days=3)
    days = {"events": [{"date": (monday + timedelta(days=1)).isoformat(),
                        "title": "A made-up holiday"}]}  # fmt: skip
    replace_calendar(db_session, days, None)
    assert standings(db_session, record)["acknowledge"][1] == monday + timedelta(days=4)


def test_many_records_take_a_fixed_number_of_statements(db_session: Session, orgs, users) -> None:
    app = _setup(db_session, orgs)
    staff = users["practice_staff"]
    records = [
        complaint(db_session, app, orgs["A00001"], staff, TODAY - timedelta(days=n))
        for n in range(1, 41)
    ]
    definition = record_definition(db_session, records[0])
    with recorded_statements(db_session) as statements:
        found = deadlines_for(db_session, [(r, definition) for r in records], noon(TODAY))
    assert len(found) == 40 and all(len(f.statuses) == 2 for f in found)
    assert len(statements) <= 3, statements


def test_a_moment_in_the_past_is_honoured(db_session: Session, orgs, users) -> None:
    app = _setup(db_session, orgs)
    received = TODAY - timedelta(days=30)
    record = complaint(db_session, app, orgs["A00001"], users["practice_staff"], received)
    then = datetime.combine(received, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    assert standings(db_session, record, then)["acknowledge"][0] == "open"
    assert standings(db_session, record)["acknowledge"][0] == "overdue"
