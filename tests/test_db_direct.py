"""Plain INSERTs compiled once (:mod:`miniapps.db_direct`): what they store is what
SQLAlchemy's own insert of the same rows stores (JSON text, timestamps, booleans, NULLs,
the columns' defaults), on either database, in the caller's transaction and savepoint,
after the session's autoflush; bad rows are refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from miniapps.db_direct import insert_row, insert_rows
from miniapps.models import App, Organisation
from miniapps.services.notifications.outbox import OUTBOX_MESSAGES
from miniapps.services.records.audit import AUDIT_ENTRIES
from miniapps.services.records.direct_submit import RECORDS
from sqlalchemy import Column, Integer, MetaData, Table, event, func, insert, select, text
from sqlalchemy.orm import Session

MOMENT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=UTC)


def _rows(app: App, org: Organisation, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "app_id": app.id,
            "app_version": 1,
            "organisation_id": org.id,
            "subject_id": None,
            "period": "2026-03" if n % 2 else None,
            "period_slot": None,
            "superseded": bool(n % 2),
            "data": value,
            "status": "submitted",
            "version": 2,
            "created_by_id": None,
            "updated_by_id": None,
            "created_at": MOMENT + timedelta(seconds=n),
            "updated_at": MOMENT,
            "submitted_at": None if n % 2 else MOMENT,
        }
        for n, value in enumerate(data)
    ]


def _stored(session: Session, table: Table, first_id: int) -> list[dict[str, Any]]:
    """The rows from ``first_id`` on as the driver reads them (no type conversion by
    SQLAlchemy), but their ids."""
    cursor = session.connection().exec_driver_sql(
        f"SELECT * FROM {table.name} WHERE id >= {int(first_id)} ORDER BY id"
    )
    names = list(cursor.keys())
    return [{k: v for k, v in zip(names, row, strict=True) if k != "id"} for row in cursor]


def _next_id(session: Session, table: Table) -> int:
    return (session.scalar(select(func.max(table.c.id))) or 0) + 1


def _count(session: Session, table: Table) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def test_records_are_stored_as_sqlalchemy_stores_them(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    data = [
        {"reading": 4.5, "note": 'tab\there "q" é 🌡'},
        {"reading": 2**70, "nested": {"list": [1, 2.0, "x", True, None]}},
        {},
    ]
    rows = _rows(fridge_app, orgs["A00001"], data)
    by_sqlalchemy = _next_id(db_session, RECORDS)
    db_session.execute(insert(RECORDS), rows)
    by_us = _next_id(db_session, RECORDS)
    insert_rows(db_session, RECORDS, rows)

    expected = _stored(db_session, RECORDS, by_sqlalchemy)[: len(rows)]
    assert _stored(db_session, RECORDS, by_us) == expected
    assert len(expected) == 3
    if db_session.get_bind().dialect.name == "sqlite":  # the text as SQLite keeps it
        assert expected[1]["data"].startswith('{"reading": 1180591620717411303424')
        assert expected[0]["created_at"] == "2026-03-02 09:15:30.123456"
    else:
        assert expected[1]["data"]["reading"] == 2**70
        assert expected[0]["created_at"] == MOMENT


def test_one_row_gives_back_its_id(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    row = _rows(fridge_app, orgs["A00001"], [{"reading": 3}])[0]
    by_sqlalchemy = db_session.execute(insert(RECORDS).returning(RECORDS.c.id), row).scalar_one()
    record_id = insert_row(db_session, RECORDS, row, returning="id")
    assert record_id == _next_id(db_session, RECORDS) - 1 > by_sqlalchemy
    assert (
        _stored(db_session, RECORDS, record_id) == _stored(db_session, RECORDS, by_sqlalchemy)[:1]
    )


def test_audit_entries_and_their_changes_are_stored_alike(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    record_id = insert_row(
        db_session, RECORDS, _rows(fridge_app, orgs["A00001"], [{"reading": 4}])[0], "id"
    )
    entry = {
        "record_id": record_id,
        "app_id": fridge_app.id,
        "actor_id": None,
        "at": MOMENT,
        "action": "create",
        "changes": [{"pointer": "/reading", "old": None, "new": 4}],
        "source": "readings.csv",
    }
    first = _next_id(db_session, AUDIT_ENTRIES)
    db_session.execute(insert(AUDIT_ENTRIES), [entry])
    insert_rows(db_session, AUDIT_ENTRIES, [entry, {**entry, "source": None}])

    stored = _stored(db_session, AUDIT_ENTRIES, first)
    assert stored[1] == stored[0]
    assert stored[2] == {**stored[0], "source": None}


def test_a_column_left_out_gets_its_default_for_each_row_as_sqlalchemy_gives_it(
    db_session: Session, users: dict[str, Any]
) -> None:
    email = {
        "to_address": "pm@example.nhs.uk",
        "to_user_id": users["practice_manager"].id,
        "subject": "A reading came in",
        "body_text": "Fridge 1",
        "body_html": None,
    }
    first = _next_id(db_session, OUTBOX_MESSAGES)
    before = datetime.now(UTC)
    db_session.execute(insert(OUTBOX_MESSAGES), [email])
    insert_rows(db_session, OUTBOX_MESSAGES, [email, {**email, "subject": "Another"}])
    after = datetime.now(UTC)

    read = db_session.execute(
        select(OUTBOX_MESSAGES).where(OUTBOX_MESSAGES.c.id >= first).order_by("id")
    ).all()
    assert [(m.status, m.attempts, m.dedupe_key, m.last_error) for m in read] == [
        ("queued", 0, None, None)
    ] * 3
    for message in read:  # utcnow, worked out when inserted
        for moment in (message.created_at, message.next_attempt_at):
            assert before <= moment.replace(tzinfo=moment.tzinfo or UTC) <= after
    assert [m.subject for m in read] == ["A reading came in", "A reading came in", "Another"]


def test_the_sessions_pending_changes_go_first_unless_it_does_not_autoflush(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    row = _rows(fridge_app, orgs["A00001"], [{"reading": 1}])[0]
    orgs["A00001"].name = "Renamed first"
    insert_rows(db_session, RECORDS, [row])
    name = text("SELECT name FROM organisations WHERE id = :id")
    assert db_session.scalar(name, {"id": orgs["A00001"].id}) == "Renamed first"

    with db_session.no_autoflush:
        orgs["A00001"].name = "Renamed later"
        insert_rows(db_session, RECORDS, [row])
        assert db_session.connection().scalar(name, {"id": orgs["A00001"].id}) == "Renamed first"


def test_the_rows_go_with_the_callers_savepoint(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    before = _count(db_session, RECORDS)
    savepoint = db_session.begin_nested()
    insert_rows(db_session, RECORDS, _rows(fridge_app, orgs["A00001"], [{"reading": 1}] * 3))
    assert _count(db_session, RECORDS) == before + 3
    savepoint.rollback()
    assert _count(db_session, RECORDS) == before


def test_no_rows_is_no_statement(db_session: Session) -> None:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        insert_rows(db_session, RECORDS, [])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[1].pop("period"), "records row 2 has other columns than row 1"),
        (lambda rows: rows[2].update(colour="red"), "records row 3 has other columns than row 1"),
        (lambda rows: [row.update(colour="red") for row in rows], "records has no column colour"),
    ],
)
def test_bad_rows_are_refused_before_any_write(
    db_session: Session,
    fridge_app: App,
    orgs: dict[str, Organisation],
    change: Any,
    message: str,
) -> None:
    before = _count(db_session, RECORDS)
    rows = _rows(fridge_app, orgs["A00001"], [{"reading": 1}] * 3)
    change(rows)
    with pytest.raises(ValueError, match=message):
        insert_rows(db_session, RECORDS, rows)
    assert _count(db_session, RECORDS) == before


def test_a_default_that_needs_the_execution_context_is_refused(db_session: Session) -> None:
    metadata = MetaData()
    table = Table(
        "counted",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda context: context.current_parameters["id"]),
    )
    with pytest.raises(ValueError, match=r"counted\.n: give it, its default needs a context"):
        insert_rows(db_session, table, [{"id": 1}])
