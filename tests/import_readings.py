"""Fridge readings for the import tests and benchmarks (``benchmarks/import_bench.py``,
``benchmarks/check_bench.py``): a five-column app with a unique key, valid CSV lines, and
a snapshot of everything an import may change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from miniapps.models import AuditEntry, OutboxMessage, Record
from miniapps.models.record_key import RecordKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

APP_ID = "fridge_readings"
HEADER = "fridge,reading_date,min_temp,max_temp,comment"
DEFINITION: dict[str, Any] = {
    "id": APP_ID,
    "title": "Fridge temperatures",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["fridge", "reading_date", "min_temp", "max_temp"],
        "properties": {
            "fridge": {"type": "string", "title": "Fridge", "minLength": 1, "maxLength": 100},
            "reading_date": {"type": "string", "format": "date", "title": "Reading date"},
            "min_temp": {"type": "number", "title": "Minimum (°C)", "minimum": -30, "maximum": 60},
            "max_temp": {"type": "number", "title": "Maximum (°C)", "minimum": -30, "maximum": 60},
            "comment": {"type": "string", "title": "Comment", "maxLength": 500},
        },
    },
    "unique": [{"fields": ["/fridge", "/reading_date"]}],
}


def reading_rows(count: int, first: int = 0) -> list[str]:
    """``count`` valid CSV lines, fridge and day unique (a thousand days per fridge)."""
    return list(iter_reading_rows(count, first))


def iter_reading_rows(count: int, first: int = 0) -> Iterator[str]:
    """:func:`reading_rows` one at a time (the import benchmark writes millions)."""
    start = date(2022, 1, 1)
    for n in range(first, first + count):
        yield (
            f"Fridge {n // 1000 + 1},{start + timedelta(days=n % 1000)},3.{n % 10},7.5,"
            + ('"door open, reset"' if n % 7 == 0 else "")
        )


def csv_file(path: Path, lines: list[str], end: str = "\n") -> Path:
    path.write_text("\n".join([HEADER, *lines]) + end, encoding="utf-8")
    return path


def snapshot(session: Session) -> dict[str, Any]:
    """What an import may change: records, audit entries, unique keys, queued messages."""
    session.expire_all()

    def count(model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return {
        "records": count(Record),
        "audit_entries": count(AuditEntry),
        "record_keys": count(RecordKey),
        "outbox": count(OutboxMessage),
        "record_ids": list(session.scalars(select(Record.id).order_by(Record.id))),
        "keys": list(
            session.execute(select(RecordKey.record_id, RecordKey.key_hash).order_by(RecordKey.id))
        ),
    }
