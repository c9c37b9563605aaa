"""Records: create, list, read, replace data (``If-Match``) and take workflow actions.

Order of checks on every route: token (401), the app or record must be visible (404,
never revealing that it exists), the body's shape (415/400/422), permission (403),
then state (409). Writes commit once, at the end; on any error nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, url_for
from flask.typing import ResponseReturnValue

from miniapps.core.errors import Issue, MiniappsError
from miniapps.core.periods.keys import is_period
from miniapps.db import db
from miniapps.models import Organisation, Record
from miniapps.services.apps import get_app
from miniapps.services.channels.reads import audit_read, audit_reads
from miniapps.services.organisations import UnknownOrganisation, by_ods, by_ods_for_app
from miniapps.services.permissions import WRITE
from miniapps.services.records.lifecycle import apply_transition, create_record, update_record
from miniapps.services.records.listing import records_page
from miniapps.services.records.new_record_lookup import app_and_org
from miniapps.services.records.periods import PeriodTaken
from miniapps.web.api.answers import etag, page_answer, record_answer, record_answers
from miniapps.web.api.auth import api_access, api_user
from miniapps.web.api.blueprint import bp
from miniapps.web.api.lookups import app_or_404, listed_app_or_404, record_or_404
from miniapps.web.api.parsing import (
    BadParameter,
    RequestInvalid,
    allow_params,
    if_match_version,
    page_param,
    page_size,
    text_param,
    validated_body,
)
from miniapps.web.errors import status_of


@bp.errorhandler(PeriodTaken)
def period_taken(exc: PeriodTaken) -> ResponseReturnValue:
    """409 naming the record that already holds the period, with its id and address."""
    response = jsonify(
        {
            "error": exc.code,
            "message": str(exc),
            "record_id": exc.record_id,
            "record": url_for("api.get_record", record_id=exc.record_id),
        }
    )
    response.status_code = status_of(exc)
    return response


def _record_response(record: Record, status: int = 200) -> Response:
    response = jsonify(record_answer(db.session, api_access(), record))
    response.status_code = status
    response.headers["ETag"] = etag(record)
    return response


@bp.post("/apps/<app_id>/records")
def create_app_record(app_id: str) -> ResponseReturnValue:
    allow_params([])
    # The body is read first but refused only after the app's 404, as on every route.
    body = _body_or_refusal("RecordCreate")
    place = None
    if isinstance(body, dict):
        place = app_and_org(db.session, api_access(), app_id, body["org"])
    app = place.app if place is not None else app_or_404(app_id)
    if isinstance(body, MiniappsError):
        raise body
    if place is not None:
        org, targeted = place.org, place.targeted
    else:
        try:
            org, targeted = by_ods_for_app(db.session, body["org"], app.id)
        except UnknownOrganisation as exc:
            raise RequestInvalid([Issue("/org", str(exc), "unknown_organisation")]) from exc
    record = create_record(
        db.session,
        api_access(),
        app,
        org,
        body["data"],
        period=body.get("period"),
        submit=bool(body.get("submit", False)),
        actor=api_user(),
        notify_base_url=current_app.config["BASE_URL"],
        targeted=targeted,
    )
    db.session.commit()
    response = _record_response(record, 201)
    response.headers["Location"] = url_for("api.get_record", record_id=record.id)
    return response


def _body_or_refusal(schema_name: str) -> dict[str, Any] | MiniappsError:
    """The checked body, or why it is refused (to raise once the route's 404 is settled)."""
    try:
        return validated_body(schema_name)
    except MiniappsError as exc:
        return exc


@bp.get("/apps/<app_id>/records")
def list_app_records(app_id: str) -> ResponseReturnValue:
    allow_params(["org", "period", "status", "page"])
    app = listed_app_or_404(app_id)
    ods, period = text_param("org"), text_param("period")
    within: Organisation | None = by_ods(db.session, ods) if ods else None
    if period is not None and not is_period(period):
        raise BadParameter(
            f"period must look like 2025-04, 2025-Q1, 2025-W07 or 2025 (got {period!r})."
        )
    access = api_access()
    page = records_page(
        db.session,
        access,
        app,
        page=page_param(),
        page_size=page_size(),
        within=within,
        period=period,
        status=text_param("status"),
    )
    answer = page_answer(page, record_answers(db.session, access, page.items))
    if audit_reads(db.session, access, page.items, "api"):
        db.session.commit()
    return jsonify(answer)


@bp.get("/records/<int:record_id>")
def get_record(record_id: int) -> ResponseReturnValue:
    allow_params([])
    record = record_or_404(record_id)
    response = _record_response(record)
    if audit_read(db.session, api_access(), record, "api"):
        db.session.commit()
    return response


@bp.patch("/records/<int:record_id>")
def patch_record(record_id: int) -> ResponseReturnValue:
    allow_params([])
    access = api_access()
    record = record_or_404(record_id)
    app = get_app(db.session, record.app_id)
    # Authorisation before state: a reader gets 403 here, never a 428 or 409.
    access.require(WRITE, record.organisation, app)
    body = validated_body("RecordUpdate")
    expected = if_match_version()
    update_record(
        db.session,
        access,
        record,
        body["data"],
        expected_version=expected,
        actor=api_user(),
        notify_base_url=current_app.config["BASE_URL"],
        submit=bool(body.get("submit", False)),
    )
    db.session.commit()
    return _record_response(record)


@bp.post("/records/<int:record_id>/transitions")
def take_transition(record_id: int) -> ResponseReturnValue:
    allow_params([])
    record = record_or_404(record_id)
    body: dict[str, Any] = validated_body("TransitionRequest")
    apply_transition(
        db.session,
        api_access(),
        record,
        body["action"],
        comment=body.get("comment"),
        actor=api_user(),
        notify_base_url=current_app.config["BASE_URL"],
        data=body.get("data"),
    )
    db.session.commit()
    return _record_response(record)
