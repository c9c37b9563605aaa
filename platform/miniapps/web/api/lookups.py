"""Find what a route is about, or answer 404 without saying whether it exists."""

from __future__ import annotations

from miniapps.db import db
from miniapps.models import App, Record
from miniapps.services.records.listing import visible_app, visible_record
from miniapps.web.api.auth import api_access
from miniapps.web.api.errors import NotFound


def app_or_404(app_id: str) -> App:
    app = visible_app(db.session, api_access(), app_id)
    if app is None:
        raise NotFound(f"There is no app {app_id!r} that you can see.")
    return app


def listed_app_or_404(app_id: str) -> App:
    """:func:`app_or_404` for a list of its records: also a 404 to those who only see its
    figures (``permissions.dashboard``)."""
    app = app_or_404(app_id)
    if not api_access().may_list_records(app):
        raise NotFound(f"There is no list of {app_id!r} records that you can see.")
    return app


def record_or_404(record_id: int) -> Record:
    record = visible_record(db.session, api_access(), record_id)
    if record is None:
        raise NotFound(f"There is no record {record_id} that you can see.")
    return record
