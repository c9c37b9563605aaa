"""The streaming export writers: records from an iterator, output in chunks, the same text
as the whole-file writers (no database)."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import IO, Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports import record_files, xlsx_stream
from miniapps.core.exports.cells import csv_text
from miniapps.core.exports.layout import META_COLUMNS, ExportItem, scalar_text
from miniapps.core.exports.record_files import (
    write_csv_files,
    write_download,
    write_json,
    write_xlsx_file,
)
from openpyxl import load_workbook

STAMP = datetime(2025, 4, 1, 9, 30, tzinfo=UTC)
WIDE_FIELDS = 60
WIDE = AppDefinition(
    raw={
        "id": "wide",
        "title": "Wide",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {
                f"f{n:02d}": {"type": "number"} if n % 2 else {"type": "string"}
                for n in range(WIDE_FIELDS)
            },
        },
    }
)
NOTES = AppDefinition(
    raw={
        "id": "notes",
        "title": "Notes",
        "version": 1,
        "schema": {"type": "object", "properties": {"a": {}, "b": {}}},
    }
)


def item(record_id: int, data: dict[str, Any]) -> ExportItem:
    record = SimpleNamespace(
        id=record_id, app_id="wide", app_version=1, period=None, status="submitted",
        version=1, data=data, created_at=STAMP, updated_at=STAMP, submitted_at=STAMP,
    )  # fmt: skip
    return (record, "A00001", "North Surgery", "Pat")


def wide_items(count: int) -> Iterator[ExportItem]:
    """``count`` records made one at a time (nothing holds them all)."""
    for n in range(count):
        data = {f"f{k:02d}": (k * n / 7 if k % 2 else f"answer {n} to {k}") for k in range(60)}
        yield item(n + 1, data)


class Sink(io.RawIOBase):
    """A writable file that keeps only how much was written and the largest write."""

    def __init__(self) -> None:
        self.size = self.largest = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        self.largest = max(self.largest, len(data))
        return len(data)


def test_the_writers_take_a_generator_read_once() -> None:
    reads: list[int] = []

    def open_items() -> Iterator[ExportItem]:
        reads.append(1)
        return wide_items(5)

    out = io.BytesIO()
    assert write_csv_files(WIDE, open_items, {"": out}) == 5
    assert len(out.getvalue().splitlines()) == 6 and reads == [1]
    book = io.BytesIO()
    assert write_xlsx_file(WIDE, open_items, book) == 5
    rows = list(load_workbook(book)["records"].iter_rows(values_only=True))
    assert len(rows) == 6 and rows[1][len(META_COLUMNS)] == "answer 0 to 0"
    assert write_json(wide_items(3), io.BytesIO()) == 3


def as_file(sink: Sink) -> IO[bytes]:
    return cast(IO[bytes], sink)


def _peak(write: Callable[[Sink, int], object], records: int) -> tuple[int, Sink]:
    sink = Sink()
    tracemalloc.start()
    write(sink, records)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, sink


WRITERS: dict[str, Callable[[Sink, int], object]] = {
    "csv": lambda sink, n: write_csv_files(WIDE, lambda: wide_items(n), {"": as_file(sink)}),
    "json": lambda sink, n: write_json(wide_items(n), as_file(sink)),
    "xlsx": lambda sink, n: write_xlsx_file(WIDE, lambda: wide_items(n), as_file(sink)),
}


@pytest.mark.parametrize("fmt", WRITERS)
def test_memory_does_not_grow_with_the_records(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five times the records (with 64 KB chunks instead of 1 MB, so that both sizes write
    several): Python's peak allocation stays that of a chunk or two and a record."""
    monkeypatch.setattr(record_files, "_FLUSH_CHARS", 1 << 16)
    monkeypatch.setattr(xlsx_stream, "_FLUSH_CHARS", 1 << 16)
    small, _ = _peak(WRITERS[fmt], 300)
    large, sink = _peak(WRITERS[fmt], 1500)
    assert sink.size > 1_000_000 if fmt != "xlsx" else sink.size > 100_000
    assert large < small * 1.3 + 100_000, (small, large)
    assert sink.largest < 200_000, sink.largest


def test_json_is_the_text_json_dumps_gives() -> None:
    items = list(wide_items(3))
    out = io.BytesIO()
    write_json(items, out)
    expected = [
        {
            "id": r.id, "app": r.app_id, "app_version": 1, "org": ods, "organisation": name,
            "period": None, "status": "submitted", "version": 1, "submitted_by": who,
            "created_at": STAMP.isoformat(), "updated_at": STAMP.isoformat(),
            "submitted_at": STAMP.isoformat(), "data": r.data,
        }
        for r, ods, name, who in items
    ]  # fmt: skip
    assert out.getvalue() == (json.dumps(expected, ensure_ascii=False, indent=2) + "\n").encode()
    empty = io.BytesIO()
    write_json(iter(()), empty)
    assert empty.getvalue() == b"[]\n"


def test_a_member_met_late_is_written_again_as_a_column() -> None:
    """The columns must be known before the first row: a member the definition lacks, met in
    the last record, makes the writer empty its output and write once more."""
    items = [item(1, {"a": 1}), item(2, {"a": 2, "legacy": "x", "b": 3})]
    passes: list[int] = []

    def open_items() -> list[ExportItem]:
        passes.append(1)
        return items

    out = io.BytesIO()
    write_csv_files(NOTES, open_items, {"": out})
    header, first, second = out.getvalue().decode().splitlines()
    assert header.split(",")[len(META_COLUMNS) :] == ["a", "b", "legacy"]
    assert first.endswith(",1,,") and second.endswith(",2,3,x") and len(passes) == 2


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from("ab ,\"=+-@\t\r\n;'\u00e9"), max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=4))
def test_fast_csv_rows_are_the_text_the_cell_by_cell_writer_gives(
    rows: list[tuple[Any, Any]],
) -> None:
    items = [item(n, {"a": a, "b": b}) for n, (a, b) in enumerate(rows, 1)]
    out = io.BytesIO()
    write_csv_files(NOTES, lambda: items, {"": out})
    expected_rows = [
        [n, 1, "A00001", "North Surgery", None, "submitted", "Pat", STAMP, STAMP, STAMP, a, b]
        for n, (a, b) in enumerate(rows, 1)
    ]
    expected = csv_text([*META_COLUMNS, "a", "b"], expected_rows, scalar_text)
    assert out.getvalue().decode("utf-8") == expected


def test_a_download_of_sections_is_a_zip_of_csv_files() -> None:
    training = AppDefinition(
        raw={
            "id": "t",
            "title": "T",
            "version": 1,
            "schema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "courses": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"c": {"type": "string"}}},
                    },
                },
            },
        }
    )
    items = [item(1, {"name": "Ann", "courses": [{"c": "BLS"}, {"c": "IG"}]})]
    out = io.BytesIO()
    assert write_download(training, "csv", lambda: items, out, "t-2025") == ("zip", 1)
    archive = zipfile.ZipFile(out)
    assert sorted(archive.namelist()) == ["t-2025.courses.csv", "t-2025.csv"]
    courses = archive.read("t-2025.courses.csv")
    assert courses.startswith(b"\xef\xbb\xbf") and courses.decode("utf-8-sig").splitlines() == [
        "record_id,item,c",
        "1,1,BLS",
        "1,2,IG",
    ]
