"""The JSON shapes the API answers with (described in :mod:`openapi_spec`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from miniapps.models import App, Record
from miniapps.services.records.listing import Page


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC (``2025-04-01T09:30:00Z``); SQLite hands back naive UTC values."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_answer(record: Record) -> dict[str, Any]:
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


def app_summary(app: App) -> dict[str, Any]:
    return {
        "id": app.id,
        "title": app.title,
        "version": app.latest_version,
        "status": app.status,
    }


def page_answer(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": page.total, "page": page.page, "page_size": page.page_size}


def etag(record: Record) -> str:
    """The record's lock counter as a strong entity tag, for ``If-Match``."""
    return f'"{record.version}"'
