"""Records for an export read from a server-side cursor: the same records as
:func:`export_items`, through the same permission filter, ``yield_per`` rows at a time."""

from __future__ import annotations

from typing import Any

from miniapps.models import Record
from miniapps.services.exports.records import RecordExport, export_items
from miniapps.services.permissions import Access, SystemAccess
from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState

NOTES = {
    "id": "notes_log",
    "title": "Notes",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {"note": {"type": "string"}, "n": {"type": "integer"}},
    },
}
ROWS = [
    ("A00001", "2025-04", {"note": "a", "n": 1}),
    ("A00002", "2025-04", {"note": "b", "n": 2}),
    ("A00003", "2025-05", {"note": "c", "n": 3}),
    ("A00001", "2025-05", {"note": "d", "n": 4}, "draft"),
    ("A00004", "2025-05", {"note": "e", "n": 5}),
]


def summary(items: Any) -> list[tuple[Any, ...]]:
    return [
        (r.id, r.app_id, r.app_version, r.period, r.status, r.version, r.data, ods, name, who)
        for r, ods, name, who in items
    ]


def test_the_stream_holds_what_export_items_holds(db_session, users, orgs, seeded_app) -> None:
    app = seeded_app(NOTES, ROWS)
    for access in (SystemAccess(), Access(users["pcn_manager"]), Access(users["practice_manager"])):
        for filters in ({}, {"within": orgs["U00001"]}, {"period": "2025-05"}, {"status": "draft"}):
            streamed = RecordExport(db_session, access, app, yield_per=2, **filters)
            expected = summary(export_items(db_session, access, app, **filters))
            assert summary(streamed.items()) == expected
    manager = RecordExport(db_session, Access(users["practice_manager"]), app)
    assert [r.data["note"] for r, *_ in manager.items()] == ["a", "d"]  # own drafts included


def test_rows_come_from_a_cursor_in_batches(db_session, seeded_app) -> None:
    app = seeded_app(NOTES, ROWS)
    options: list[dict[str, Any]] = []

    def seen(state: ORMExecuteState) -> None:
        if state.is_select and "yield_per" in state.execution_options:
            options.append(dict(state.execution_options))

    event.listen(db_session, "do_orm_execute", seen)
    try:
        records = RecordExport(db_session, SystemAccess(), app, yield_per=2).items()
        assert options == []  # nothing is read before the first record is asked for
        first = next(records)
        assert first[0].data == {"note": "a", "n": 1} and not isinstance(first[0], Record)
        assert len(list(records)) == len(ROWS) - 1
    finally:
        event.remove(db_session, "do_orm_execute", seen)
    (used,) = options
    assert used["yield_per"] == 2 and used["stream_results"] is True


def test_values_stored_before_the_check_are_read_as_the_orm_reads_them(
    db_session, seeded_app
) -> None:
    """orjson refuses ``NaN`` and lone surrogates; such data is read and scrubbed as the
    ORM's own reader does (U+FFFD, null), on SQLite where it could be stored."""
    app = seeded_app(NOTES, ROWS[:1])
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(update(Record).values(data={"note": "x\ud800y", "n": float("nan")}))
        db_session.commit()
        ((record, *_),) = list(RecordExport(db_session, SystemAccess(), app).items())
        assert record.data == {"note": "x\ufffdy", "n": None}
    ((record, *_),) = list(RecordExport(db_session, SystemAccess(), app).items())
    assert record.data == export_items(db_session, SystemAccess(), app)[0][0].data
