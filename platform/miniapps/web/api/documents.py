"""Document library API: ``GET /api/v1/documents?org=ODS`` (adoption and read-and-sign)
and ``POST /api/v1/documents/{record_id}/versions/{number}/signatures`` (sign as the
caller). The same services and checks as the pages: 404 before 403 before 409."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from jsonschema.protocols import Validator

from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.errors import Issue
from miniapps.db import db
from miniapps.models import App, DocumentSignature, Organisation, Record
from miniapps.services.documents import pages, signing
from miniapps.services.documents.scope import find_document, library_apps
from miniapps.services.documents.state import DocumentState, LibraryState
from miniapps.services.organisations import by_ods
from miniapps.services.permissions import READ
from miniapps.services.records.listing import visible_app
from miniapps.services.records.representation import timestamp
from miniapps.web.api.auth import api_access, api_user
from miniapps.web.api.blueprint import bp
from miniapps.web.api.errors import NotFound
from miniapps.web.api.openapi_documents import DOCUMENT_SCHEMAS
from miniapps.web.api.parsing import RequestInvalid, StrictValidator, allow_params, json_object


@bp.get("/documents")
def list_documents() -> ResponseReturnValue:
    allow_params(["org"])
    ods = request.args.get("org", "").strip()
    if not ods:
        message = "Give the ODS code of a practice, PCN or ICB"
        raise RequestInvalid([Issue("/org", message, "required")])
    org = by_ods(db.session, ods)
    access, now = api_access(), datetime.now(UTC)
    readable = [
        app
        for app in library_apps(db.session)
        if visible_app(db.session, access, app.id) is not None and access.can(READ, org, app)
    ]
    if not readable:
        raise NotFound(f"There are no documents for {org.ods} that you can see.")
    items: list[dict[str, Any]] = []
    for app in readable:
        page = pages.library_page(db.session, access, app, org, now)
        items += [_summary(page, document) for document in _listed(page)]
    return jsonify({"org": org.ods, "documents": items})


def _listed(page: pages.LibraryPage) -> list[DocumentState]:
    state = page.state
    if page.side == "keeper":
        return state.documents
    return [d for d in state.documents if state.applies(d, page.org)]


def _summary(page: pages.LibraryPage, document: DocumentState) -> dict[str, Any]:
    state: LibraryState = page.state
    current, facts = document.current, document.facts
    answer: dict[str, Any] = {
        "id": document.record.id,
        "app": state.app.id,
        "title": facts.title,
        "category": facts.category,
        "owner": facts.owner,
        "keeper": document.record.organisation.ods,
        "current_version": None
        if current is None
        else {
            "number": current.number,
            "published_at": timestamp(current.published_at),
            "review_due": current.review_due.isoformat() if current.review_due else None,
            "review_overdue": document.review_overdue(state.today),
        },
        "adoption": None,
        "coverage": None,
        "practices": None,
        "to_sign": None,
    }
    if page.side == "keeper":
        adopted, total = state.adoption_count(document)
        answer["practices"] = {"adopted": adopted, "total": total}
        answer["coverage"] = _coverage(state.document_coverage(document))
        return answer
    practice = page.org
    status = state.status(document, practice)
    adoption = status.adoption
    answer["adoption"] = {
        "status": status.kind,
        "version": next(
            (v.number for v in document.versions if adoption and v.id == adoption.version_id), None
        ),
        "mode": adoption.mode if adoption else None,
        "adopted_at": timestamp(adoption.adopted_at) if adoption else None,
        "due": status.due.isoformat() if status.due else None,
    }
    answer["coverage"] = _coverage(state.coverage(document, practice))
    me = api_user()
    version = state.to_sign(document, practice)
    if version is not None and me in state.signers(document, practice):
        answer["to_sign"] = None if state.signature(me, version) else version.number
    return answer


def _coverage(coverage: Any) -> dict[str, Any] | None:
    if coverage is None:
        return None
    return {"signed": coverage.signed, "required": coverage.required, "percent": coverage.percent}


@bp.post("/documents/<int:record_id>/versions/<int:number>/signatures")
def sign_document(record_id: int, number: int) -> ResponseReturnValue:
    allow_params([])
    record = db.session.get(Record, record_id)
    app = db.session.get(App, record.app_id) if record is not None else None
    access = api_access()
    if app is None or visible_app(db.session, access, app.id) is None:
        raise NotFound(f"There is no document {record_id} that you can see.")
    found = find_document(db.session, access, app, record_id)
    body = _signature_body()
    practice = by_ods(db.session, body["org"]) if body.get("org") else None
    signature, new = signing.sign(
        db.session,
        access,
        app,
        found,
        number,
        api_user(),
        practice=practice,
        now=datetime.now(UTC),
    )
    db.session.commit()
    response = jsonify(_signature(signature, number))
    response.status_code = 201 if new else 200
    return response


def _signature(signature: DocumentSignature, number: int) -> dict[str, Any]:
    org = db.session.get(Organisation, signature.organisation_id)
    return {
        "document": signature.record_id,
        "version": number,
        "user": signature.user.email,
        "org": org.ods if org is not None else None,
        "signed_at": timestamp(signature.signed_at),
    }


def _signature_body() -> dict[str, Any]:
    """The optional body: nothing, or ``{"org": "ODS"}``."""
    if not request.get_data():
        return {}
    body = json_object()
    issues = plain_issues(
        sorted(_validator().iter_errors(body), key=lambda e: list(map(str, e.path)))
    )
    if issues:
        raise RequestInvalid(issues)
    return body


@cache
def _validator() -> Validator:
    return StrictValidator(DOCUMENT_SCHEMAS["SignatureCreate"])
