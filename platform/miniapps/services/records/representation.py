"""A record as JSON, the one shape the API answers with and webhooks carry (times in
RFC 3339 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from miniapps.models import Record


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC (``2025-04-01T09:30:00Z``); SQLite hands back naive UTC values."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def record_json(record: Record) -> dict[str, Any]:
    """The record's own members; callers add ``actions`` and ``channels`` for a caller."""
    return {
        "id": record.id,
        "app": record.app_id,
        "app_version": record.app_version,
        "org": record.organisation.ods,
        "period": record.period,
        "status": record.status,
        "version": record.version,
        "data": record.data,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "submitted_at": timestamp(record.submitted_at),
        "created_by": record.created_by.email if record.created_by is not None else None,
    }
