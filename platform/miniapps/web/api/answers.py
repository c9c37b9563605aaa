"""The JSON shapes the API answers with (described in :mod:`openapi_spec`)."""

from __future__ import annotations

from typing import Any

from miniapps.models import App, Record
from miniapps.services.records.listing import Page
from miniapps.services.records.representation import record_json


def record_answer(record: Record) -> dict[str, Any]:
    return record_json(record)


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
