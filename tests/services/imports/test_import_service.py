"""``import_records``: all or nothing, duplicates skipped, the permission filter applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.models import AuditEntry, Record
from miniapps.services import apps as app_service
from miniapps.services.imports import records as record_import
from miniapps.services.imports.duplicates import content_digest
from miniapps.services.imports.records import content_key, import_records
from miniapps.services.permissions import Access, SystemAccess
from sqlalchemy import func, select

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def count(session: Any, model: Any = Record) -> int:
    return session.scalar(select(func.count()).select_from(model))


def run(session: Any, access: Any, app: Any, text: str, **options: Any) -> Any:
    options.setdefault("dry_run", False)
    return import_records(session, access, app, text.encode(), "file.csv", **options)


@pytest.fixture
def training_app(db_session, orgs):
    """staff_training, published to the North PCN only (A00001, A00002)."""
    definition = validate_definition(
        json.loads((EXAMPLES / "staff_training" / "app.json").read_text())
    )
    published = app_service.publish(db_session, definition, [orgs["U00001"]], actor=None)
    db_session.commit()
    return published.app


def test_import_creates_submitted_records(db_session, users, fridge_app) -> None:
    access = Access(users["pcn_manager"])
    text = "ods,reading\nA00001,4.5\nA00002,5\n"
    report = run(db_session, access, fridge_app, text, actor=users["pcn_manager"])
    assert report.ok and report.lines == []
    assert report.summary == "imported 2 records (0 duplicates skipped)"
    records = db_session.scalars(select(Record).order_by(Record.id)).all()
    assert [(r.organisation.ods, r.data, r.status) for r in records] == [
        ("A00001", {"reading": 4.5}, "submitted"),
        ("A00002", {"reading": 5}, "submitted"),
    ]
    assert all(r.submitted_at is not None for r in records)
    assert records[0].created_by_id == users["pcn_manager"].id


def test_one_bad_row_means_nothing_is_written(db_session, users, fridge_app) -> None:
    before = (count(db_session), count(db_session, AuditEntry))
    report = run(
        db_session, SystemAccess(), fridge_app, "ods,reading\nA00001,4\nA00001,99\nZZZ99,3\n"
    )
    assert not report.ok
    assert report.lines == [
        "row 3, column reading: Temperature (°C) must be 40 or less",
        "row 4, column ods: no organisation has the ODS code ZZZ99",
    ]
    assert report.created == []
    assert (count(db_session), count(db_session, AuditEntry)) == before


def test_dry_run_checks_everything_and_writes_nothing(db_session, users, fridge_app) -> None:
    report = run(
        db_session, SystemAccess(), fridge_app, "reading\n1\n2\n", org="A00003", dry_run=True
    )
    assert report.ok and len(report.new_rows) == 2
    assert report.summary == "would import 2 records (0 duplicates skipped)"
    assert count(db_session) == 0


def test_reimport_is_reported_as_duplicates_not_added(db_session, users, fridge_app) -> None:
    text = "ods,reading\nA00001,4.0\nA00001,4\nA00002,6\n"
    first = run(db_session, SystemAccess(), fridge_app, text)
    assert first.lines == ["row 3: duplicate of row 2"]
    assert len(first.created) == 2
    stored = {r.organisation.ods: r.id for r in first.created}
    again = run(db_session, SystemAccess(), fridge_app, text + "A00002,7\n")
    assert again.ok
    assert again.lines == [
        f"row 2: duplicate of record {stored['A00001']}",
        f"row 3: duplicate of record {stored['A00001']}",
        f"row 4: duplicate of record {stored['A00002']}",
    ]
    assert again.summary == "imported 1 record (3 duplicates skipped)"
    assert count(db_session) == 3


def test_practice_manager_cannot_import_for_another_practice(db_session, users, fridge_app) -> None:
    access = Access(users["practice_manager"])
    report = run(db_session, access, fridge_app, "ods,reading\nA00001,4\nA00002,5\n")
    assert report.lines == ["row 3, column ods: you may not add records for Hill Surgery (A00002)"]
    assert count(db_session) == 0
    option = run(db_session, access, fridge_app, "reading\n4\n5\n", org="A00003")
    assert option.lines == ["you may not add records for South Surgery (A00003)"]
    assert count(db_session) == 0


def test_rows_for_organisations_the_app_is_not_published_to(
    db_session, users, training_app
) -> None:
    header = "ods,period,name,role,start_date,has_dbs,"
    header += "courses/1/name,courses/1/completed,courses/1/passed"
    rows = [
        "A00001,2025-04,Ann,gp,2025-01-01,no,BLS,2025-01-02,yes",
        "A00003,2025-04,Bob,gp,2025-01-01,no,BLS,2025-01-02,yes",
    ]
    report = run(db_session, SystemAccess(), training_app, "\n".join([header, *rows]) + "\n")
    assert report.lines == [
        "row 3, column ods: Staff training record is not published to South Surgery (A00003)"
    ]
    assert count(db_session) == 0
    ok = run(db_session, SystemAccess(), training_app, "\n".join([header, rows[0]]) + "\n")
    assert ok.ok and len(ok.created) == 1
    record = ok.created[0]
    assert record.period == "2025-04"
    assert record.data["courses"] == [{"name": "BLS", "completed": "2025-01-02", "passed": True}]


def test_a_failure_while_writing_undoes_every_row(
    db_session, users, fridge_app, monkeypatch
) -> None:
    real = record_import.write_submitted
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise DataInvalid([Issue("/reading", "changed under our feet")])
        return real(*args, **kwargs)

    # One row per batch: the second batch (row 3) fails after the first was written.
    monkeypatch.setattr(record_import, "WRITE_BATCH", 1)
    monkeypatch.setattr(record_import, "write_submitted", flaky)
    report = run(db_session, SystemAccess(), fridge_app, "reading\n1\n2\n3\n", org="A00001")
    # A refusal found only when writing still names its row and the column it is about.
    assert report.lines == ["row 3, column reading: changed under our feet"]
    assert report.created == []
    assert count(db_session) == 0


def test_system_access_allows_everything(orgs) -> None:
    access = SystemAccess()
    assert access.is_admin and access.can("publish", orgs["A00004"])
    assert access.roles_at(orgs["QWE"]) == {"platform_admin"}


def test_content_key_ignores_key_order_and_integral_floats() -> None:
    assert content_key({"a": 5.0, "b": [1.0, {"c": True}]}) == content_key(
        {"b": [1, {"c": True}], "a": 5}
    )
    assert content_key({"a": 5.5}) != content_key({"a": 5})


def test_content_digest_agrees_with_content_key() -> None:
    same = [
        ({"a": 5.0, "b": [1.0, {"c": True}]}, {"b": [1, {"c": True}], "a": 5}),
        ({"n": 2**70, "t": "é"}, {"t": "é", "n": 2**70}),  # beyond orjson's integers
        ({"x": float("nan")}, {"x": float("nan")}),
    ]
    for first, second in same:
        assert content_digest(1, None, first) == content_digest(1, None, second)
    different = [
        ({"a": 5.5}, {"a": 5}),
        ({"x": float("nan")}, {"x": None}),  # orjson would write both as null
        ({"x": float("inf")}, {"x": None}),
        ({"n": 2**70}, {"n": 2**70 + 1}),
    ]
    for first, second in different:
        assert content_digest(1, None, first) != content_digest(1, None, second)
    assert content_digest(1, None, {"a": 1}) != content_digest(2, None, {"a": 1})
    assert content_digest(1, "2025-04", {"a": 1}) != content_digest(1, None, {"a": 1})
