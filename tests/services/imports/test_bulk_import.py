"""The bulk import path: the file is read as a stream, rows wait in a spool, records are
written in batches, and what is stored is what one ``create_record(submit=True)`` per row
stores (records, audit entries, record keys, channel items)."""

from __future__ import annotations

import io
import types
from csv import reader as csv_reader
from typing import Any

import pytest
from miniapps.core.imports.base import ImportRow
from miniapps.core.imports.cells import iter_table
from miniapps.core.imports.wide import ReadLimits, read_import, stream_import
from miniapps.models import App, AuditEntry, ChannelItem, Organisation, Record, User
from miniapps.models.record_key import RecordKey
from miniapps.services.definitions import app_definition
from miniapps.services.imports import records as record_import
from miniapps.services.imports import spool as spool_module
from miniapps.services.imports.records import import_records
from miniapps.services.imports.spool import RowSpool, SpooledRow
from miniapps.services.permissions import Access, SystemAccess
from miniapps.services.records.bulk import needs_per_record_hooks
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.fixtures_channels import concern_definition, stakeholders  # noqa: F401
from tests.publishing import publish_app
from tests.sample_definitions import PEER_REVIEW
from tests.sample_workflows import CASE_LOG


class CountingFile(io.BytesIO):
    """A binary file that remembers how far it has been read."""

    furthest = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return chunk

    def read1(self, size: int | None = -1) -> bytes:
        chunk = super().read1(size)
        self.furthest = max(self.furthest, self.tell())
        return chunk


def count(session: Session, model: Any = Record) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_csv_file_is_read_lazily() -> None:
    content = ("reading\n" + "".join(f"{n % 30}\n" for n in range(200_000))).encode()
    source = CountingFile(content)
    rows = iter_table(source, "big.csv", ReadLimits(max_rows=200_000, max_cells=300_000))
    assert [next(rows), next(rows)] == [(1, ["reading"]), (2, ["0"])]
    assert 0 < source.furthest < len(content) // 10  # only the first buffers were read
    assert sum(1 for _ in rows) == 199_999
    assert not source.closed  # the caller's file stays the caller's


def test_rows_stream_through_the_check_one_at_a_time(fridge_app: App, db_session) -> None:
    definition = app_definition(db_session, fridge_app)
    stream = stream_import(definition, io.BytesIO(b"reading\n4\nhot\n5\n"), "f.csv", org="A00001")
    assert isinstance(stream.rows, types.GeneratorType)
    assert [c.header for c in stream.result.columns] == ["reading"]  # known before any row
    first = next(stream.rows)
    assert (first[0].row, first[0].data, first[1]) == (2, {"reading": 4}, True)
    assert stream.result.row_count == 1 and not stream.result.problems
    rest = list(stream.rows)
    assert [(row.row, ok) for row, ok in rest] == [(3, False), (4, True)]
    assert [p.row for p in stream.result.problems] == [3]


def test_a_limit_met_part_way_is_the_only_problem(fridge_app: App, db_session) -> None:
    definition = app_definition(db_session, fridge_app)
    content = b"reading\nhot\n" + b"4\n" * 20
    result = read_import(definition, content, "f.csv", org="A00001", limits=ReadLimits(max_rows=5))
    assert [str(p) for p in result.problems] == [
        "row 7: an import reads at most 5 rows below the header; split the file into smaller ones"
    ]
    assert result.rows == [] and result.columns == []


def test_the_spool_keeps_rows_on_disk_past_its_memory_share(monkeypatch) -> None:
    monkeypatch.setattr(spool_module, "IN_MEMORY_BYTES", 10_000)
    spool = RowSpool()
    for n in range(2, 1_002):
        row = ImportRow(n, "A00001", None, {"reading": n / 10, "note": "é" * 20})
        spool.add(SpooledRow(row, 7, [(0, "abc")]))
    assert len(spool) == 1_000 and spool._file._rolled  # on disk, not in memory
    back = list(spool)
    assert [s.row.row for s in back] == list(range(2, 1_002))
    assert back[-1].row.data == {"reading": 100.1, "note": "é" * 20}
    assert (back[0].org_id, back[0].keys) == (7, [(0, "abc")])
    assert len(list(spool)) == 1_000  # read again from the start
    spool.close()


def test_rows_are_written_in_batches_with_progress_after_each(
    db_session, fridge_app: App, monkeypatch
) -> None:
    monkeypatch.setattr(record_import, "WRITE_BATCH", 2)
    batches: list[int] = []
    real = record_import.write_submitted

    def counting(session: Session, access: Any, app: App, batch: list[Any], *rest: Any) -> Any:
        batches.append(len(batch))
        return real(session, access, app, batch, *rest)

    monkeypatch.setattr(record_import, "write_submitted", counting)
    heard: list[tuple[int, int]] = []
    content = b"reading\n1\n2\n3\n4\n5\n"
    report = import_records(
        db_session,
        SystemAccess(),
        fridge_app,
        content,
        "f.csv",
        org="A00001",
        dry_run=False,
        progress=lambda done, total: heard.append((done, total)),
    )
    assert report.ok and len(report.created) == 5 and report.summary.startswith("imported 5")
    assert batches == [2, 2, 1]
    assert heard == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert [r.data["reading"] for r in report.created] == [1, 2, 3, 4, 5]


def test_a_bad_row_at_the_very_end_leaves_the_database_unchanged(
    db_session, fridge_app: App
) -> None:
    before = (count(db_session), count(db_session, AuditEntry))
    rows = "".join(f"{n % 30}\n" for n in range(19_999)) + "far too hot\n"
    report = import_records(
        db_session,
        SystemAccess(),
        fridge_app,
        io.BytesIO(("reading\n" + rows).encode()),
        "fridge.csv",
        org="A00001",
        dry_run=False,
        limits=ReadLimits(max_rows=20_000, max_cells=100_000),
    )
    assert [p.row for p in report.problems] == [20_001]
    assert len(report.created) == 0
    db_session.commit()
    assert (count(db_session), count(db_session, AuditEntry)) == before


def test_problems_beyond_the_first_thousand_are_counted(db_session, fridge_app: App) -> None:
    content = ("reading\n" + "hot\n" * 1_500).encode()
    report = import_records(
        db_session, SystemAccess(), fridge_app, content, "f.csv", org="A00001", dry_run=True
    )
    assert len(report.problems) == 1_000 and report.more_problems == 500
    assert report.lines[-1] == "and 500 more problems"


# --- the bulk writer stores what create_record stores -----------------------------------

UNIQUE_LOG: dict[str, Any] = {
    "id": "unique_log",
    "title": "Fridge log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["fridge", "day"],
        "properties": {
            "fridge": {"type": "string", "title": "Fridge"},
            "day": {"type": "string", "format": "date", "title": "Day"},
            "reading": {"type": "number", "title": "Reading"},
        },
    },
    "unique": [{"fields": ["/fridge", "/day"]}],
}
MONTHLY: dict[str, Any] = {
    "id": "monthly",
    "title": "Monthly return",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {"count": {"type": "integer", "title": "Count"}},
    },
}
# Values the PostgreSQL COPY must carry as they are: an integer beyond 64 bits (orjson
# refuses it), and text with a tab, a newline, backslashes, quotes and non-ASCII.
AWKWARD: dict[str, Any] = {
    "id": "awkward",
    "title": "Awkward values",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "title": "Count"},
            "note": {"type": "string", "title": "Note"},
        },
    },
}
# Records about another practice: the subject is set from the answer.
CASES = {
    "plain": (
        load_example("fridge_log"),
        "ods,reading\nA00001,4\nA00002,5.5\nA00001,-3\n",
        None,
    ),
    "one per period": (MONTHLY, "ods,period,count\nA00001,2025-04,3\nA00002,2025-04,0\n", None),
    "unique": (
        UNIQUE_LOG,
        "ods,fridge,day,reading\nA00001,Main,2025-04-01,4\nA00001,Main,2025-04-02,\n"
        "A00002,Main,2025-04-01,5\n",
        None,
    ),
    "awkward values": (
        AWKWARD,
        'ods,count,note\nA00001,123456789012345678901234567890,"tab\there \\N \\\\ ""q"" é 🌡\n'
        'line two"\nA00002,-7,\\.\n',
        None,
    ),
    "about another practice": (PEER_REVIEW, "ods,practice\nA00001,A00002\n", None),
    "workflow with approval": (
        CASE_LOG,
        "ods,summary,outcome\nA00001,Fall in the car park,\nA00002,Wrong dose,Reported\n",
        None,
    ),
}


def _snapshot(session: Session, app_id: str) -> list[dict[str, Any]]:
    """What is stored for ``app_id``'s records, without ids, the app's id or times."""
    records = session.scalars(select(Record).where(Record.app_id == app_id).order_by(Record.id))
    stored = []
    for record in records:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
        )
        keys = session.execute(
            select(RecordKey.organisation_id, RecordKey.key_index, RecordKey.key_hash).where(
                RecordKey.record_id == record.id
            )
        )
        items = session.execute(
            select(
                ChannelItem.channel,
                ChannelItem.stakeholder_id,
                ChannelItem.provider_id,
                ChannelItem.sends,
                ChannelItem.acknowledge_by.is_(None),
                ChannelItem.decide_by.is_(None),
            ).where(ChannelItem.record_id == record.id)
        )
        stored.append(
            {
                "record": (
                    record.app_version,
                    record.organisation_id,
                    record.subject_id,
                    record.period,
                    record.period_slot,
                    record.superseded,
                    record.data,
                    record.status,
                    record.version,
                    record.created_by_id,
                    record.updated_by_id,
                    record.submitted_at is None,
                ),
                "audit": [(e.action, e.actor_id, e.changes) for e in entries],
                "keys": sorted(keys),
                "channel items": sorted(items),
            }
        )
    return stored


def _import_both_ways(
    session: Session, orgs: dict[str, Organisation], actor: User, raw: dict[str, Any], csv: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], App]:
    """The file stored one ``create_record`` per row (app ``<id>_one``) and imported in
    bulk (app ``<id>_bulk``); the two snapshots and the bulk app."""
    apps = {}
    for way in ("one", "bulk"):
        apps[way] = publish_app(session, {**raw, "id": f"{raw['id']}_{way}"}, [orgs["QWE"]])
    access = Access(actor)
    definition = app_definition(session, apps["one"])
    read = read_import(definition, csv.encode(), "file.csv")
    assert read.ok, read.problems
    for row in read.rows:
        create_record(
            session,
            access,
            apps["one"],
            orgs[row.ods or ""],
            row.data,
            period=row.period,
            submit=True,
            actor=actor,
        )
    report = import_records(
        session, access, apps["bulk"], csv.encode(), "file.csv", dry_run=False, actor=actor
    )
    assert report.ok, report.lines
    session.commit()
    return _snapshot(session, apps["one"].id), _snapshot(session, apps["bulk"].id), apps["bulk"]


@pytest.mark.parametrize("case", CASES)
def test_bulk_import_stores_what_create_record_stores(db_session, orgs, users, case) -> None:
    raw, csv, _ = CASES[case]
    assert not needs_per_record_hooks(app_definition_of(raw))
    one, bulk, _ = _import_both_ways(db_session, orgs, users["platform_admin"], raw, csv)
    assert len(bulk) == len(list(csv_reader(io.StringIO(csv)))) - 1
    assert bulk == one


def test_awkward_values_are_stored_as_they_were_read(db_session, orgs, users) -> None:
    raw, csv, _ = CASES["awkward values"]
    _, bulk, _ = _import_both_ways(db_session, orgs, users["platform_admin"], raw, csv)
    assert [b["record"][6] for b in bulk] == [
        {"count": 123456789012345678901234567890, "note": 'tab\there \\N \\\\ "q" é 🌡\nline two'},
        {"count": -7, "note": "\\."},
    ]


def test_apps_with_channels_are_written_record_by_record_with_the_same_outcome(
    db_session,
    orgs,
    users,
    stakeholders,  # noqa: F811
) -> None:
    raw = concern_definition()
    assert needs_per_record_hooks(app_definition_of(raw))
    csv = "ods,kind,summary,urgent\nA00001,adult,Bruising seen,no\nA00002,child,Left alone,yes\n"
    one, bulk, app = _import_both_ways(db_session, orgs, users["platform_admin"], raw, csv)
    assert bulk == one and all(r["channel items"] for r in bulk)
    sources = db_session.scalars(
        select(AuditEntry.source)
        .join(Record, Record.id == AuditEntry.record_id)
        .where(Record.app_id == app.id, AuditEntry.action == "create")
    )
    assert list(sources) == ["file.csv", "file.csv"]


def app_definition_of(raw: dict[str, Any]) -> Any:
    from miniapps.core.definitions.loading import validate_definition

    return validate_definition(raw)


def test_the_record_history_says_which_file_it_was_imported_from(
    client, db_session, users, login, fridge_app: App
) -> None:
    manager = users["practice_manager"]
    report = import_records(
        db_session,
        Access(manager),
        fridge_app,
        b"reading\n4.5\n",
        "uploads/fridge.csv",
        org="A00001",
        dry_run=False,
        actor=manager,
    )
    db_session.commit()
    record = report.created[0]
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id))
    assert [(e.action, e.source) for e in entries] == [("create", "fridge.csv"), ("submit", None)]
    login(manager)
    page = client.get(f"/apps/fridge_log/records/{record.id}").get_data(as_text=True)
    history = page[page.index("<h2>History</h2>") :]
    assert "Imported from fridge.csv by Practice Manager" in history
    assert history.count("Imported from") == 1


def test_an_xlsx_file_is_read_from_its_path(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["reading", "note"], [4.5, "ok"], [], [5, None]):
        sheet.append(row)
    path = tmp_path / "readings.xlsx"
    book.save(path)
    assert list(iter_table(path, path.name)) == [
        (1, ["reading", "note"]),
        (2, [4.5, "ok"]),
        (4, [5]),
    ]
