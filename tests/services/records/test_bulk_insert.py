"""SQLite's many-row INSERT for the bulk writer (:mod:`miniapps.services.records.bulk_insert`):
what it stores is, byte for byte, what SQLAlchemy's own ``executemany`` of the same rows
stores (JSON text, timestamps, booleans, NULLs), and it runs in the caller's savepoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from miniapps.models import App, Organisation
from miniapps.services.records.bulk import AUDIT_ENTRIES, RECORDS
from miniapps.services.records.bulk_insert import insert_rows
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

pytestmark = pytest.mark.usefixtures("sqlite_only")

MOMENT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=UTC)


@pytest.fixture
def sqlite_only(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's bulk writer COPYs (test_bulk_copy.py)")


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


def _stored(session: Session, table: str, first_id: int) -> list[dict[str, Any]]:
    """The rows from ``first_id`` on as the driver reads them (no type conversion), but
    their ids."""
    cursor = session.connection().exec_driver_sql(
        f"SELECT * FROM {table} WHERE id >= ? ORDER BY id", (first_id,)
    )
    names = list(cursor.keys())
    return [{k: v for k, v in zip(names, row, strict=True) if k != "id"} for row in cursor]


def test_records_are_stored_as_sqlalchemy_stores_them(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    data = [
        {"reading": 4.5, "note": 'tab\there "q" é 🌡'},
        {"reading": 2**70, "nested": {"list": [1, 2.0, "x", True, None]}},
        {},
    ]
    rows = _rows(fridge_app, orgs["A00001"], data)
    db_session.execute(insert(RECORDS), rows)
    by_sqlalchemy = db_session.scalar(text("SELECT max(id) FROM records")) - len(rows) + 1
    insert_rows(db_session, RECORDS, rows)
    by_bulk = by_sqlalchemy + len(rows)

    expected = _stored(db_session, "records", by_sqlalchemy)[: len(rows)]
    assert _stored(db_session, "records", by_bulk) == expected
    assert len(expected) == 3
    assert expected[1]["data"].startswith('{"reading": 1180591620717411303424')
    assert expected[0]["created_at"] == "2026-03-02 09:15:30.123456"


def test_audit_entries_and_their_changes_are_stored_alike(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    insert_rows(db_session, RECORDS, _rows(fridge_app, orgs["A00001"], [{"reading": 4}]))
    record_id = db_session.scalar(text("SELECT max(id) FROM records"))
    entry = {
        "record_id": record_id,
        "app_id": fridge_app.id,
        "actor_id": None,
        "at": MOMENT,
        "action": "create",
        "changes": [{"pointer": "/reading", "old": None, "new": 4}],
        "source": "readings.csv",
    }
    db_session.execute(insert(AUDIT_ENTRIES), [entry])
    first = db_session.scalar(text("SELECT max(id) FROM audit_entries"))
    insert_rows(db_session, AUDIT_ENTRIES, [entry, {**entry, "source": None}])

    stored = _stored(db_session, "audit_entries", first)
    assert stored[1] == stored[0]
    assert stored[2] == {**stored[0], "source": None}


def test_the_rows_go_with_the_callers_savepoint(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    before = db_session.scalar(text("SELECT count(*) FROM records"))
    savepoint = db_session.begin_nested()
    insert_rows(db_session, RECORDS, _rows(fridge_app, orgs["A00001"], [{"reading": 1}] * 3))
    assert db_session.scalar(text("SELECT count(*) FROM records")) == before + 3
    savepoint.rollback()
    assert db_session.scalar(text("SELECT count(*) FROM records")) == before


def test_no_rows_is_no_statement(db_session: Session) -> None:
    insert_rows(db_session, RECORDS, [])


def test_rows_without_a_defaulted_column_are_refused_before_any_write(
    db_session: Session, fridge_app: App, orgs: dict[str, Organisation]
) -> None:
    before = db_session.scalar(text("SELECT count(*) FROM records"))
    row = _rows(fridge_app, orgs["A00001"], [{"reading": 1}])[0]
    del row["created_at"], row["superseded"]
    with pytest.raises(ValueError, match="records rows lack created_at, superseded"):
        insert_rows(db_session, RECORDS, [row])
    assert db_session.scalar(text("SELECT count(*) FROM records")) == before
