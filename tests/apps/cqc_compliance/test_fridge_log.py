"""The CQC bundle's vaccine fridge daily log: impossible readings are refused, a reading
outside +2 to +8 °C is made to record the excursion steps and tells the practice manager
at once (by a link only), and each fridge has one log per day. Nothing is stored when
anything is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import HeldNotification, OutboxMessage, Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from sqlalchemy import func, select

from tests.compliance_evidence import load_saf
from tests.publishing import publish_app

DEFINITION = (
    Path(__file__).resolve().parents[3]
    / "apps"
    / "cqc_compliance"
    / "definitions"
    / "cqc_fridge_log.json"
)
READING: dict[str, Any] = {
    "fridge": "Vaccine fridge 1 (treatment room)",
    "date": "2026-03-02",
    "time": "09:10",
    "current": 5.2,
    "minimum": 3.1,
    "maximum": 7.4,
    "reset": True,
}
STEPS: dict[str, Any] = {
    "quarantined": True,
    "cause": "Door left ajar after the morning clinic; closed and checked hourly.",
    "duration": "About 2 hours",
    "extent": 9.5,
    "logger_downloaded": True,
    "contacted": ["screening_and_immunisation_team"],
    "stock": "quarantined_awaiting_advice",
    "significant_event": True,
}
STEP_POINTERS = [f"/{key}" for key in STEPS]


@pytest.fixture
def fridge_log(db_session, orgs):
    raw = json.loads(DEFINITION.read_text(encoding="utf-8"))
    load_saf(db_session)  # the app is evidence for the CQC framework
    return publish_app(db_session, raw, [orgs["QWE"]])


@pytest.fixture
def log(db_session, users, orgs, fridge_log):
    """``log(**answers)``: the staff member logs a reading at North Surgery (committed)."""

    def make(**answers: Any) -> Record:
        staff = users["practice_staff"]
        record = lifecycle.create_record(
            db_session,
            Access(staff),
            fridge_log,
            orgs["A00001"],
            {**READING, **answers},
            period="2026-03",
            submit=True,
            actor=staff,
            notify_base_url="http://localhost",
        )
        db_session.commit()
        return record

    return make


def stored(db_session) -> int:
    return db_session.scalar(select(func.count()).where(Record.app_id == "cqc_fridge_log")) or 0


def refused(db_session, log, **answers: Any) -> dict[str, str]:
    with pytest.raises(DataInvalid) as caught:
        log(**answers)
    db_session.rollback()
    return {issue.pointer: issue.message for issue in caught.value.issues}


def manager_emails(db_session, users) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to_address == users["practice_manager"].email)
    return list(db_session.scalars(query))


def test_an_in_range_reading_is_logged_and_tells_nobody(db_session, users, log):
    record = log()
    assert record.status == "logged" and record.period == "2026-03"
    assert manager_emails(db_session, users) == []


@pytest.mark.parametrize(
    ("answers", "pointer", "message"),
    [
        ({"current": -31}, "/current", "Current temperature (°C) must be -30 or more"),
        (
            {"maximum": 61},
            "/maximum",
            "Maximum temperature since the last reset (°C) must be 60 or less",
        ),
        (
            {"minimum": -40.5},
            "/minimum",
            "Minimum temperature since the last reset (°C) must be -30 or more",
        ),
    ],
)
def test_an_impossible_reading_is_refused_at_its_field(db_session, log, answers, pointer, message):
    issues = refused(db_session, log, **answers)
    assert issues[pointer] == message
    assert stored(db_session) == 0


def test_the_form_says_why_a_reading_is_impossible(client, users, fridge_log, login):
    login(users["practice_staff"])
    html = client.get("/apps/cqc_fridge_log/new?org=A00001").get_data(as_text=True)
    assert "impossible for a working fridge thermometer" in html


def test_a_reading_out_of_range_without_the_excursion_steps_is_refused_naming_them(
    db_session, users, log
):
    issues = refused(db_session, log, current=9.5)
    assert sorted(issues) == sorted(STEP_POINTERS)
    assert issues["/cause"] == "Enter cause, and what was done about it"
    assert issues["/quarantined"].startswith("Select vaccines kept refrigerated, quarantined")
    assert issues["/contacted"] == "Select who was contacted for advice"
    assert stored(db_session) == 0 and manager_emails(db_session, users) == []


@pytest.mark.parametrize("answers", [{"minimum": 1.5}, {"maximum": 8.4}, {"current": 1.9}])
def test_any_of_the_three_readings_out_of_range_is_an_excursion(db_session, log, answers):
    issues = refused(db_session, log, **answers)
    assert "/cause" in issues and "/stock" in issues


def test_vaccines_must_be_quarantined(db_session, log):
    issues = refused(db_session, log, current=9.5, **{**STEPS, "quarantined": False})
    assert list(issues) == ["/quarantined"]
    assert issues["/quarantined"].endswith("must be Yes")


def test_with_the_steps_the_excursion_is_logged_and_the_manager_emailed_a_link(
    db_session, users, log
):
    record = log(current=9.5, maximum=11.0, **STEPS)
    assert record.status == "logged" and record.data["cause"] == STEPS["cause"]
    [email] = manager_emails(db_session, users)
    assert email.subject == ("Vaccine fridge daily log from North Surgery for 2026-03: Logged")
    assert f"http://localhost/apps/cqc_fridge_log/records/{record.id}" in email.body_text
    assert "outside +2 to +8 °C" in email.body_text
    for answer in ("9.5", "11", STEPS["cause"], READING["fridge"]):
        assert answer not in email.body_text  # the details stay behind sign-in


def test_an_excursion_is_emailed_at_once_even_to_a_manager_on_the_daily_digest(
    db_session, users, log
):
    users["practice_manager"].notification_delivery = "digest"
    db_session.commit()
    log(current=9.5, maximum=11.0, **STEPS)
    [email] = manager_emails(db_session, users)  # queued now, not held for tomorrow
    assert "outside +2 to +8 °C" in email.body_text
    assert db_session.scalar(select(func.count()).select_from(HeldNotification)) == 0


def test_a_second_log_for_the_same_fridge_and_day_is_refused(db_session, users, log):
    first = log()
    issues = refused(db_session, log, current=4.0, fridge="  vaccine FRIDGE 1 (treatment room) ")
    assert issues == {
        "/fridge": "This fridge already has a log for that day: open that log to change it, "
        "or check the fridge's name and the date"
    }
    assert stored(db_session) == 1
    log(date="2026-03-03")  # the next day
    log(fridge="Vaccine fridge 2 (pharmacy room)")  # the other fridge
    assert stored(db_session) == 3 and first.id


def test_the_form_asks_for_the_excursion_steps_when_a_reading_is_out_of_range(
    client, db_session, users, fridge_log, login
):
    login(users["practice_staff"])
    form = {
        "org": "A00001",
        "period": "2026-03",
        "fridge": READING["fridge"],
        "date-day": "2",
        "date-month": "3",
        "date-year": "2026",
        "time": "09:10",
        "current": "9.5",
        "minimum": "3.1",
        "maximum": "9.5",
        "reset": "true",
        "submit": "1",
    }
    response = client.post("/apps/cqc_fridge_log/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html
    assert "Enter cause, and what was done about it" in html
    assert "Select who was contacted for advice" in html
    assert 'value="9.5"' in html  # the answers are kept
    assert stored(db_session) == 0
