"""Issue 14: ``unique`` lets an organisation keep one record per combination of answers
(one fridge log per fridge per day), on every path that stores data, and the database
settles a race the check cannot see."""

from __future__ import annotations

import copy
import os
import threading
import time
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.models import Record, RecordKey
from miniapps.services import users as user_service
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle, stored_checks, unique_keys
from miniapps.services.records.unique_keys import keep_record_keys
from sqlalchemy import func, select

from tests.publishing import publish_app

MESSAGE = "This fridge already has a log for that day: open that log instead"
LOG: dict[str, Any] = {
    "id": "fridge_day",
    "title": "Fridge day log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["fridge", "date", "current"],
        "properties": {
            "fridge": {"type": "string", "title": "Fridge"},
            "date": {"type": "string", "format": "date", "title": "Date"},
            "current": {"type": "number", "title": "Current (°C)"},
        },
    },
    "unique": [{"fields": ["/fridge", "/date"], "message": MESSAGE}],
}


def plain() -> dict[str, Any]:
    """The log without a message of its own (the default message names the answers)."""
    raw = copy.deepcopy(LOG)
    del raw["unique"][0]["message"]
    return raw


@pytest.fixture
def log_app(db_session, orgs):
    return publish_app(db_session, LOG, [orgs["QWE"]])


def make(db_session, users, orgs, app, ods="A00001", submit=True, **data):
    user = users["practice_manager" if ods == "A00001" else "pcn_manager"]
    values = {"fridge": "Main fridge", "date": "2026-03-02", "current": 5, **data}
    values = {k: v for k, v in values.items() if v is not None}
    return lifecycle.create_record(
        db_session, Access(user), app, orgs[ods], values, submit=submit, actor=user
    )


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).where(Record.app_id == "fridge_day")) or 0


def test_a_second_log_for_the_fridge_and_day_is_refused_at_the_first_field(
    db_session, users, orgs, log_app
):
    first = make(db_session, users, orgs, log_app)
    db_session.commit()
    with pytest.raises(DataInvalid) as caught:
        make(db_session, users, orgs, log_app, current=6)
    assert [(i.pointer, i.message) for i in caught.value.issues] == [("/fridge", MESSAGE)]
    db_session.rollback()
    assert count(db_session) == 1
    keys = db_session.scalars(select(RecordKey)).all()
    assert [(k.record_id, k.key_index, len(k.key_hash)) for k in keys] == [(first.id, 0, 64)]


def test_the_default_message_names_the_answers_and_the_record(db_session, users, orgs):
    app = publish_app(db_session, plain(), [orgs["QWE"]])
    first = make(db_session, users, orgs, app)
    with pytest.raises(DataInvalid) as caught:
        make(db_session, users, orgs, app)
    [issue] = caught.value.issues
    assert issue.pointer == "/fridge"
    assert issue.message == (
        f"Record {first.id} already has Fridge: Main fridge and Date: 2 March 2026: only one "
        "record of North Surgery may have the same answers to these questions"
    )


def test_text_is_compared_without_case_or_extra_spaces_and_numbers_by_value(
    db_session, users, orgs
):
    raw = plain()
    raw["unique"] = [{"fields": ["/fridge", "/current"]}]
    app = publish_app(db_session, raw, [orgs["QWE"]])
    make(db_session, users, orgs, app, current=5)
    with pytest.raises(DataInvalid):
        make(db_session, users, orgs, app, fridge="  main   FRIDGE ", current=5.0)


def test_other_answers_and_other_organisations_are_free(db_session, users, orgs, log_app):
    make(db_session, users, orgs, log_app)
    make(db_session, users, orgs, log_app, date="2026-03-03")
    make(db_session, users, orgs, log_app, fridge="Second fridge")
    make(db_session, users, orgs, log_app, ods="A00002")  # the PCN manager, Hill Surgery
    assert count(db_session) == 4


def test_a_record_missing_a_key_answer_is_not_constrained_and_a_draft_holds_its_key(
    db_session, users, orgs, log_app
):
    make(db_session, users, orgs, log_app, submit=False, date=None)
    make(db_session, users, orgs, log_app, submit=False, date=None)
    draft = make(db_session, users, orgs, log_app, submit=False)
    assert draft.status == "draft"
    with pytest.raises(DataInvalid):  # the draft holds the fridge and day
        make(db_session, users, orgs, log_app)


def test_an_edit_moves_the_key_and_keeping_it_clashes_with_nothing(
    db_session, users, orgs, log_app
):
    manager = users["practice_manager"]
    draft = make(db_session, users, orgs, log_app, submit=False)
    # Saving it again with the same fridge and day is no clash with itself.
    lifecycle.update_record(
        db_session,
        Access(manager),
        draft,
        {"fridge": "Main fridge", "date": "2026-03-02", "current": 7},
        expected_version=draft.version,
        actor=manager,
    )
    lifecycle.update_record(
        db_session,
        Access(manager),
        draft,
        {"fridge": "Main fridge", "date": "2026-03-05", "current": 7},
        expected_version=draft.version,
        actor=manager,
    )
    make(db_session, users, orgs, log_app)  # 2 March is free again
    with pytest.raises(DataInvalid):
        make(db_session, users, orgs, log_app, date="2026-03-05")
    holders = db_session.execute(select(RecordKey.record_id)).scalars().all()
    assert len(holders) == 2 and draft.id in holders


def test_an_edit_onto_anothers_answers_is_refused_and_changes_nothing(
    db_session, users, orgs, log_app
):
    manager = users["practice_manager"]
    make(db_session, users, orgs, log_app)
    other = make(db_session, users, orgs, log_app, date="2026-03-03", submit=False)
    db_session.commit()
    with pytest.raises(DataInvalid) as caught:
        lifecycle.update_record(
            db_session,
            Access(manager),
            other,
            {"fridge": "Main fridge", "date": "2026-03-02", "current": 4},
            expected_version=other.version,
            actor=manager,
        )
    assert caught.value.issues[0].pointer == "/fridge"
    db_session.rollback()
    assert db_session.get(Record, other.id).data["date"] == "2026-03-03"


def test_the_index_settles_a_race_the_check_missed(db_session, users, orgs, log_app, monkeypatch):
    first = make(db_session, users, orgs, log_app)
    db_session.commit()
    # Another request checked before ``first`` was written: only the index is left.
    monkeypatch.setattr(stored_checks, "DATA_CHECKS", [])
    with pytest.raises(DataInvalid) as caught:
        make(db_session, users, orgs, log_app, current=9)
    assert [(i.pointer, i.message) for i in caught.value.issues] == [("/fridge", MESSAGE)]
    # The savepoint kept the transaction usable; the boundary rolls the rest back.
    db_session.rollback()
    assert count(db_session) == 1
    assert db_session.scalars(select(RecordKey.record_id)).all() == [first.id]


def test_a_superseded_record_holds_no_key(db_session, users, orgs, log_app):
    first = make(db_session, users, orgs, log_app)
    first.superseded = True
    keep_record_keys(db_session, first, unique_keys_definition(db_session, first))
    assert db_session.scalar(select(func.count()).select_from(RecordKey)) == 0
    make(db_session, users, orgs, log_app)


def unique_keys_definition(db_session, record):
    from miniapps.services.definitions import record_definition

    return record_definition(db_session, record)


def test_the_api_refuses_a_second_log_with_422_at_the_pointer(
    client, db_session, users, orgs, log_app, token
):
    headers = token(users["practice_manager"])
    body = {"org": "A00001", "data": {"fridge": "F1", "date": "2026-03-02", "current": 4}}
    first = client.post("/api/v1/apps/fridge_day/records", json=body, headers=headers)
    assert first.status_code == 201
    second = client.post("/api/v1/apps/fridge_day/records", json=body, headers=headers)
    assert second.status_code == 422
    assert second.get_json()["errors"] == [{"pointer": "/fridge", "message": MESSAGE}]
    assert count(db_session) == 1


def test_the_form_refuses_a_second_log_beside_the_field(
    client, db_session, users, orgs, log_app, login
):
    login(users["practice_manager"])
    form = {
        "org": "A00001",
        "fridge": "Main fridge",
        "date-day": "2",
        "date-month": "3",
        "date-year": "2026",
        "current": "5",
        "submit": "1",
    }
    assert client.post("/apps/fridge_day/new", data=form).status_code == 302
    again = client.post("/apps/fridge_day/new", data=form)
    html = again.get_data(as_text=True)
    assert again.status_code == 400 and "There is a problem" in html
    assert "This fridge already has a log for that day" in html
    assert count(db_session) == 1


def test_an_import_with_two_rows_for_one_fridge_and_day_names_row_and_column(
    db_session, users, orgs, log_app
):
    csv = (
        "ods,fridge,date,current\n"
        "A00001,Main fridge,2026-03-02,5\n"
        "A00001,Main fridge,2026-03-02,6\n"
        "A00001,Main fridge,2026-03-03,5\n"
    )
    for dry_run in (True, False):
        report = import_records(
            db_session,
            Access(users["practice_manager"]),
            log_app,
            csv.encode(),
            "logs.csv",
            dry_run=dry_run,
            actor=users["practice_manager"],
        )
        assert report.lines == [f"row 3, column fridge: {MESSAGE}"]
        assert report.created == []
    db_session.rollback()
    assert count(db_session) == 0


def test_an_import_row_for_a_stored_log_is_refused(db_session, users, orgs, log_app):
    make(db_session, users, orgs, log_app)
    db_session.commit()
    csv = "ods,fridge,date,current\nA00001,MAIN FRIDGE,2026-03-02,7\n"
    report = import_records(
        db_session,
        Access(users["practice_manager"]),
        log_app,
        csv.encode(),
        "logs.csv",
        dry_run=False,
        actor=users["practice_manager"],
    )
    assert report.lines == [f"row 2, column fridge: {MESSAGE}"]
    db_session.rollback()
    assert count(db_session) == 1


@pytest.mark.skipif(
    not (os.environ.get("MINIAPPS_DATABASE_URL") or "").startswith("postgresql"),
    reason="two writers at once need PostgreSQL (SQLite serialises writers)",
)
def test_two_sessions_racing_for_one_fridge_and_day_one_wins(committed_tree_app):
    app = committed_tree_app
    with app.app_context(), db.transaction(app) as session:
        from miniapps.services.organisations import by_ods

        north = by_ods(session, "A00001")
        publish_app(session, LOG, [north], commit=False)
        user_service.create_user(
            session, "race@example.nhs.uk", "Racer", None, "practice_manager", north
        )
    data = {"fridge": "Main fridge", "date": "2026-03-02", "current": 5}
    first, second = db.new_session(app), db.new_session(app)
    outcome: dict[str, Any] = {}

    def create(session):
        from miniapps.models import App
        from miniapps.services.organisations import by_ods

        user = user_service.by_email(session, "race@example.nhs.uk")
        return lifecycle.create_record(
            session,
            Access(user),
            session.get(App, "fridge_day"),
            by_ods(session, "A00001"),
            dict(data),
            submit=True,
            actor=user,
        )

    def race() -> None:
        try:
            create(second)  # its check sees nothing yet: it waits on the index
            second.commit()
            outcome["second"] = "stored"
        except DataInvalid as exc:
            second.rollback()
            outcome["second"] = exc.issues
        finally:
            second.close()

    try:
        winner = create(first)  # written, not committed yet
        thread = threading.Thread(target=race)
        thread.start()
        time.sleep(0.5)  # the second writer is now blocked on the unique index
        first.commit()
        thread.join(timeout=20)
        assert not thread.is_alive()
        issues = outcome["second"]
        assert [(i.pointer, i.message) for i in issues] == [("/fridge", MESSAGE)]
    finally:
        first.close()
    with db.transaction(app) as session:
        stored = session.scalars(select(Record.id).where(Record.app_id == "fridge_day")).all()
        assert stored == [winner.id]
        keys = session.scalars(select(RecordKey.record_id)).all()
        assert keys == [winner.id]


def test_file_clashes_is_empty_for_an_app_without_unique(db_session, users, orgs, fridge_app):
    definition = unique_keys_definition(
        db_session,
        make_plain_fridge(db_session, users, orgs, fridge_app),
    )
    rows = [unique_keys.KeyedRow(2, orgs["A00001"], {"reading": 1})]
    assert unique_keys.file_clashes(db_session, "fridge_log", definition, rows) == []


def make_plain_fridge(db_session, users, orgs, fridge_app):
    user = users["practice_manager"]
    return lifecycle.create_record(
        db_session, Access(user), fridge_app, orgs["A00001"], {"reading": 4}, actor=user
    )
