"""``x-not-future`` from every entry point: the service, the API, the form (a real POST)
and the spreadsheet import all refuse a date after now at its pointer (or column), and
store nothing; the form caps its inputs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.records.date_bounds import LONDON
from miniapps.models import Record
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record, update_record
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.publishing import publish_app
from tests.sample_views import event_log

FUTURE_DAY = "2099-01-01"
FUTURE_MOMENT = "2099-01-01T10:00:00+00:00"
DAY_MESSAGE = "Date noticed must not be in the future"
MOMENT_MESSAGE = "When it happened must not be in the future"


@pytest.fixture
def events(db_session, orgs):
    return publish_app(db_session, event_log(), [orgs["QWE"]])


def records(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Record)) or 0


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_service_refuses_a_future_date(db_session, users, orgs, events, submit: bool) -> None:
    pm = users["practice_manager"]
    data = {"kind": "patient_safety", "noticed_on": FUTURE_DAY, "occurred_at": FUTURE_MOMENT}
    with pytest.raises(DataInvalid) as caught:
        create_record(db_session, Access(pm), events, orgs["A00001"], data, submit=submit, actor=pm)
    found = {i.pointer: i.message for i in caught.value.issues}
    assert found == {"/noticed_on": DAY_MESSAGE, "/occurred_at": MOMENT_MESSAGE}
    db_session.rollback()
    assert records(db_session) == 0


def test_service_refuses_a_future_date_in_an_update(db_session, users, orgs, events) -> None:
    pm = users["practice_manager"]
    draft = create_record(
        db_session, Access(pm), events, orgs["A00001"], {"kind": "other"}, actor=pm
    )
    db_session.commit()
    changed = {"kind": "other", "actions": [{"what": "Audit", "done_on": FUTURE_DAY}]}
    with pytest.raises(DataInvalid) as caught:
        update_record(db_session, Access(pm), draft, changed, expected_version=1, actor=pm)
    assert [i.pointer for i in caught.value.issues] == ["/actions/0/done_on"]
    db_session.rollback()
    db_session.refresh(draft)
    assert draft.data == {"kind": "other"}


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_api_refuses_a_future_date(client, db_session, users, token, events, submit) -> None:
    body = {"org": "A00001", "data": {"kind": "other", "noticed_on": FUTURE_DAY}, "submit": submit}
    response = client.post(
        "/api/v1/apps/event_log/records", json=body, headers=token(users["practice_manager"])
    )
    assert response.status_code == 422, response.json
    assert response.json["errors"] == [{"pointer": "/noticed_on", "message": DAY_MESSAGE}]
    assert records(db_session) == 0
    past = {**body, "data": {"kind": "other", "noticed_on": "2025-01-01"}}
    ok = client.post(
        "/api/v1/apps/event_log/records", json=past, headers=token(users["practice_manager"])
    )
    assert ok.status_code == 201, ok.json


def test_api_submit_transition_refuses_a_stored_future_date(
    client, db_session, users, orgs, token, events
) -> None:
    # A draft stored by any route (here directly) is checked again when it is submitted.
    draft = Record(
        app_id="event_log",
        app_version=1,
        organisation=orgs["A00001"],
        data={"kind": "other", "occurred_at": FUTURE_MOMENT},
    )
    db_session.add(draft)
    db_session.commit()
    response = client.post(
        f"/api/v1/records/{draft.id}/transitions",
        json={"action": "submit"},
        headers=token(users["practice_manager"]),
    )
    assert response.status_code == 422, response.json
    assert [e["pointer"] for e in response.json["errors"]] == ["/occurred_at"]
    db_session.refresh(draft)
    assert draft.status == "draft"


def _pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    definition = event_log()
    compiled = compile_form(definition["schema"], definition.get("ui"))
    return bind_form(compiled, data=data).formdata_pairs()


@pytest.mark.parametrize("button", ["save", "submit"])
def test_form_post_refuses_a_future_date(client, db_session, users, login, events, button) -> None:
    login(users["practice_manager"])
    data = {"kind": "other", "noticed_on": FUTURE_DAY, "occurred_at": FUTURE_MOMENT}
    pairs = [*_pairs(data), (button, "1")]
    response = client.post("/apps/event_log/new?org=A00001", data=MultiDict(pairs))
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert DAY_MESSAGE in page and MOMENT_MESSAGE in page
    assert records(db_session) == 0
    past = [*_pairs({"kind": "other", "noticed_on": "2025-01-01"}), (button, "1")]
    assert client.post("/apps/event_log/new?org=A00001", data=MultiDict(past)).status_code == 302


def test_form_inputs_are_capped_at_now(client, users, login, events) -> None:
    login(users["practice_manager"])
    before = datetime.now(UTC).astimezone(LONDON)
    page = client.get("/apps/event_log/new?org=A00001").get_data(as_text=True)
    after = datetime.now(UTC).astimezone(LONDON)
    moment = re.search(r'<input[^>]*name="occurred_at"[^>]*>', page)
    assert moment is not None
    caps = {t.strftime("%Y-%m-%dT%H:%M") for t in (before, after)}
    assert re.search(r'max="([^"]+)"', moment.group(0)).group(1) in caps  # type: ignore[union-attr]
    days = {t.date().isoformat() for t in (before, after)}
    assert re.search(r'data-max="([^"]+)"', page).group(1) in days  # type: ignore[union-attr]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "confirmed"])
def test_import_refuses_a_future_date(db_session, users, events, dry_run: bool) -> None:
    text = (
        "ods,kind,noticed_on,occurred_at\n"
        f"A00001,other,2025-01-01,2025-01-01T10:00:00Z\n"
        f"A00001,other,{FUTURE_DAY},{FUTURE_MOMENT}\n"
    )
    report = import_records(
        db_session,
        Access(users["practice_manager"]),
        events,
        text.encode(),
        "events.csv",
        dry_run=dry_run,
        actor=users["practice_manager"],
    )
    found = {(p.row, p.column, p.message) for p in report.problems}
    assert found == {(3, "noticed_on", DAY_MESSAGE), (3, "occurred_at", MOMENT_MESSAGE)}
    assert records(db_session) == 0
