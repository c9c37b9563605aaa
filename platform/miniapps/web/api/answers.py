"""The JSON shapes the API answers with (described in :mod:`openapi_spec`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from miniapps.models import App, Record
from miniapps.services.permissions import Access
from miniapps.services.records.caller_view import record_for_caller, records_for_caller
from miniapps.services.records.listing import Page


def record_answer(session: Session, access: Access, record: Record) -> dict[str, Any]:
    """The record with the channel items ``access`` may see and the actions it may take."""
    return record_for_caller(session, access, record)


def record_answers(
    session: Session, access: Access, records: Sequence[Record]
) -> list[dict[str, Any]]:
    """:func:`record_answer` for a page of records, their channel items loaded at once."""
    return records_for_caller(session, access, records)


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
