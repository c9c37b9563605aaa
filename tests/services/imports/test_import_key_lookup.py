"""The import's batched look-up of stored ``unique`` keys
(:meth:`miniapps.services.imports.duplicates.NewRowFilter.prefetch_keys`): a key clashes
only with a record of the same organisation holding the same key of the same ``unique``
entry, across batches; on PostgreSQL each key is one probe of the unique index, so a
batch costs the same however many keys the app already holds."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import App, Organisation, Record, User
from miniapps.services.definitions import app_definition
from miniapps.services.imports import records as record_import
from miniapps.services.imports.duplicates import HOLDERS_BY_PROBE, NewRowFilter
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.publishing import publish_app

TWO_KEYS: dict[str, Any] = {
    "id": "two_keys",
    "title": "Fridge log with serials",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["fridge", "day"],
        "properties": {
            "fridge": {"type": "string", "title": "Fridge"},
            "day": {"type": "string", "format": "date", "title": "Day"},
            "serial": {"type": "string", "title": "Serial"},
        },
    },
    "unique": [{"fields": ["/fridge", "/day"]}, {"fields": ["/serial"]}],
}


@pytest.fixture
def two_keys(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> App:
    """The app with two ``unique`` entries and two stored records, one per practice."""
    app = publish_app(db_session, TWO_KEYS, [orgs["QWE"]])
    admin = users["platform_admin"]
    for ods, data in (
        ("A00001", {"fridge": "Main", "day": "2025-04-01", "serial": "S1"}),
        ("A00002", {"fridge": "Spare", "day": "2025-04-02", "serial": "S2"}),
    ):
        create_record(db_session, Access(admin), app, orgs[ods], data, submit=True, actor=admin)
    db_session.flush()
    return app


def test_a_key_clashes_only_with_its_own_organisation_and_entry(
    db_session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    two_keys: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(record_import, "CHECK_BATCH", 2)  # the rows span three batches
    query = select(Record.organisation_id, Record.id).filter_by(app_id="two_keys")
    held: dict[int, int] = {org_id: record_id for org_id, record_id in db_session.execute(query)}
    csv = (
        "ods,fridge,day,serial\n"
        "A00001,Spare,2025-04-02,S2\n"  # A00002's keys, but at A00001: new
        "A00002,Main,2025-04-01,S1\n"  # A00001's keys, at A00002: new
        "A00001,S1,2025-04-03,X1\n"  # a serial's value as a fridge: another entry, new
        "A00001,Main,2025-04-01,X2\n"  # A00001's fridge and day: a clash
        "A00002,Other,2025-04-05,S2\n"  # A00002's serial: a clash
        "A00001,Last,2025-04-06,S1\n"  # A00001's serial, in the last batch: a clash
    )
    report = import_records(
        db_session, Access(users["platform_admin"]), two_keys, csv.encode(), "f.csv", dry_run=True
    )
    found = {p.row or 0: (p.column, p.message) for p in report.problems}
    assert sorted(found) == [5, 6, 7], report.lines
    assert found[5][0] == "fridge" and found[5][1].startswith(
        f"Record {held[orgs['A00001'].id]} already has"
    )
    assert found[6][0] == "serial" and found[6][1].startswith(
        f"Record {held[orgs['A00002'].id]} already has"
    )
    assert found[7][0] == "serial" and found[7][1].startswith(
        f"Record {held[orgs['A00001'].id]} already has"
    )
    assert len(report.new_rows) == 3


def test_postgresql_probes_the_unique_index_once_per_key(
    db_session: Session, orgs: dict[str, Organisation], two_keys: App
) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the probe query is PostgreSQL's")
    wanted = [(orgs["A00001"].id, 0, f"{n:064x}") for n in range(500)]
    params = {
        "app_id": two_keys.id,
        "orgs": [o for o, _, _ in wanted],
        "indexes": [i for _, i, _ in wanted],
        "digests": [d for _, _, d in wanted],
    }
    plan = "\n".join(db_session.scalars(text(f"EXPLAIN {HOLDERS_BY_PROBE.text}"), params))
    assert "Nested Loop" in plan and "Index Scan using uq_record_keys" in plan, plan
    assert "Seq Scan on record_keys" not in plan and "Filter:" not in plan, plan


def test_sqlite_searches_the_unique_index_by_every_column(
    db_session: Session, orgs: dict[str, Organisation], two_keys: App
) -> None:
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("the per-column IN lists are SQLite's")
    rows = NewRowFilter(
        db_session,
        two_keys.id,
        app_definition(db_session, two_keys),
        long_layout=False,
        columns=[],
        orgs={},
    )
    wanted = {(orgs["A00001"].id, 0, "a" * 64), (orgs["A00002"].id, 1, "b" * 64)}
    query, _ = rows._holders(wanted)
    dialect = db_session.get_bind().dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    plan = " ".join(
        str(step[-1]) for step in db_session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
    )
    assert "key_index=? AND key_hash=?" in plan, plan  # not a scan of the app's keys
