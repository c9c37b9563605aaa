"""The OpenAPI 3.1 description of ``/api/v1``: paths, parameters and responses.

Schemas live in :mod:`miniapps.web.api.openapi_schemas`. A test checks that every Flask
rule under ``/api/v1`` is described here and that nothing else is, and that real answers
validate against the documented schemas.
"""

from __future__ import annotations

from typing import Any

from miniapps.web.api.openapi_compliance import COMPLIANCE_PATHS, COMPLIANCE_SCHEMAS
from miniapps.web.api.openapi_documents import (
    DOCUMENT_PARAMETERS,
    DOCUMENT_PATHS,
    DOCUMENT_SCHEMAS,
)
from miniapps.web.api.openapi_inbox import INBOX_PATHS
from miniapps.web.api.openapi_schemas import (
    JSON,
    MONTH,
    PERIOD,
    REQUEST_SCHEMAS,
    SCHEMAS,
    json_response,
    ref,
)
from miniapps.web.api.openapi_views import VIEW_PARAMETERS, VIEW_PATHS, VIEW_SCHEMAS
from miniapps.web.api.openapi_webhooks import WEBHOOK_PARAMETERS, WEBHOOK_PATHS

__all__ = ["REQUEST_SCHEMAS", "openapi_document"]

ETAG_HEADER = {
    "ETag": {
        "description": 'The record\'s version, quoted ("3"): send it back in If-Match.',
        "schema": {"type": "string"},
    }
}

RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": json_response(
        "Error",
        "Malformed JSON (malformed_json) or a bad query parameter or header (bad_request).",
    ),
    "Unauthorized": json_response(
        "Error",
        "No bearer token, or one that is not valid. A browser session is not enough.",
        headers={"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    ),
    "Forbidden": json_response("Error", "The caller may not do this here."),
    "NotFound": json_response(
        "Error", "Unknown, or not visible to the caller (the API never says which)."
    ),
    "UnsupportedMediaType": json_response("Error", "The body must be sent as application/json."),
    "Unprocessable": json_response(
        "ValidationError", "The request or its data has errors, each with a JSON pointer."
    ),
}

PARAMETERS: dict[str, dict[str, Any]] = {
    "AppId": {"name": "app_id", "in": "path", "required": True, "schema": {"type": "string"}},
    "RecordId": {
        "name": "record_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    },
    "Page": {
        "name": "page",
        "in": "query",
        "description": "1-based page number; the page size is set by the server (PAGE_SIZE).",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        415: "UnsupportedMediaType",
        422: "Unprocessable",
    }
    return {str(code): ref("responses", names[code]) for code in codes}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _body(schema: str, description: str = "") -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {JSON: {"schema": ref("schemas", schema)}},
    }


RECORD_OK = json_response("Record", "The record.", headers=ETAG_HEADER)

PATHS: dict[str, dict[str, Any]] = {
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {"description": "OpenAPI 3.1 document", "content": {JSON: {}}},
            },
        }
    },
    "/apps": {
        "get": {
            "operationId": "listApps",
            "summary": "Apps visible to the caller",
            "parameters": [ref("parameters", "Page")],
            "responses": {
                "200": json_response("AppList", "One page of apps."),
                **_errors(400, 401),
            },
        },
        "post": {
            "operationId": "publishApp",
            "summary": "Validate and publish a definition as a new immutable version",
            "description": "Publishes to the organisations in `to` and everything beneath them, "
            "else to everything the caller may publish to (a PCN manager: their PCN; a platform "
            "admin: all organisations). Republishing identical content creates no new version. "
            "A change that would make stored records invalid is refused (incompatible_change). "
            "An unknown ODS code in `to` is a 422 with the pointer /to.",
            "parameters": [
                _query(
                    "to",
                    "Comma-separated ODS codes to publish to.",
                    {"type": "string", "examples": ["U00001,A00003"]},
                )
            ],
            "requestBody": _body("Definition", "The app definition (app.json)."),
            "responses": {
                "201": json_response(
                    "Published",
                    "Published.",
                    headers={"Location": {"schema": {"type": "string"}}},
                ),
                **_errors(400, 401, 403, 415, 422),
            },
        },
    },
    "/apps/{app_id}": {
        "parameters": [ref("parameters", "AppId")],
        "get": {
            "operationId": "getApp",
            "summary": "The latest published definition",
            "responses": {
                "200": json_response("Definition", "The definition."),
                **_errors(400, 401, 404),
            },
        },
    },
    "/apps/{app_id}/records": {
        "parameters": [ref("parameters", "AppId")],
        "get": {
            "operationId": "listRecords",
            "summary": "Records the caller may see, newest first",
            "description": "Submitted records where the caller may read; drafts only where the "
            "caller may edit. An unknown ODS code in `org` is a 404.",
            "parameters": [
                _query("org", "An ODS code: that organisation and everything beneath it."),
                _query("period", "Exactly this period.", PERIOD),
                _query("status", "Exactly this workflow state, e.g. draft or submitted."),
                ref("parameters", "Page"),
            ],
            "responses": {
                "200": json_response("RecordList", "One page of records."),
                **_errors(400, 401, 404),
            },
        },
        "post": {
            "operationId": "createRecord",
            "summary": "Save a draft or submit a record",
            "requestBody": _body("RecordCreate"),
            "responses": {
                "201": json_response(
                    "Record",
                    "Stored.",
                    headers={**ETAG_HEADER, "Location": {"schema": {"type": "string"}}},
                ),
                **_errors(400, 401, 403, 404, 415, 422),
                "409": json_response(
                    "Conflict",
                    "The organisation already has its record for this period (record_exists, "
                    "with record_id and record): a periodic app holds one per period.",
                ),
            },
        },
    },
    "/apps/{app_id}/dashboard": {
        "parameters": [ref("parameters", "AppId")],
        "get": {
            "operationId": "getDashboard",
            "summary": "The app's dashboard for an organisation (submitted records only)",
            "parameters": [
                _query(
                    "org",
                    "ODS code: that organisation and everything beneath it "
                    "(default: everything the caller may read). Unknown: 404.",
                ),
                _query("from", "First period included.", PERIOD),
                _query("to", "Last period included.", PERIOD),
            ],
            "responses": {
                "200": json_response("Dashboard", "The dashboard."),
                **_errors(400, 401, 403, 404, 422),
            },
        },
    },
    "/apps/{app_id}/indicators": {
        "parameters": [ref("parameters", "AppId")],
        "get": {
            "operationId": "getIndicators",
            "summary": "The app's indicator results for an organisation and a month",
            "description": "One row per indicator of the app's latest definition, from the "
            "summed counts of the submitted records of `org` and everything beneath it for "
            "`period`. At Place and ICB level the £ figures are the sums of each PCN's own. "
            "Missing `org` or `period`: 422 with the pointer /org or /period; an unknown ODS "
            "code: 404; a period that is not a month: 422 with the pointer /period.",
            "parameters": [
                {
                    **_query("org", "ODS code: that organisation and everything beneath it."),
                    "required": True,
                },
                {**_query("period", "The month, YYYY-MM.", MONTH), "required": True},
            ],
            "responses": {
                "200": json_response("IndicatorResults", "The indicator results."),
                **_errors(400, 401, 403, 404, 422),
            },
        },
    },
    "/records/{record_id}": {
        "parameters": [ref("parameters", "RecordId")],
        "get": {
            "operationId": "getRecord",
            "summary": "One record",
            "responses": {"200": RECORD_OK, **_errors(400, 401, 404)},
        },
        "patch": {
            "operationId": "updateRecord",
            "summary": "Replace a record's data (optimistic locking)",
            "parameters": [
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": True,
                    "description": 'The record version being changed: 3 or "3".',
                    "schema": {"type": "string", "pattern": '^"?[0-9]+"?$'},
                }
            ],
            "requestBody": _body("RecordUpdate"),
            "responses": {
                "200": RECORD_OK,
                **_errors(400, 401, 403, 404, 415, 422),
                "409": json_response(
                    "Conflict", "Stale If-Match, or the record is no longer editable."
                ),
                "428": json_response("Error", "If-Match is missing."),
            },
        },
    },
    "/records/{record_id}/transitions": {
        "parameters": [ref("parameters", "RecordId")],
        "post": {
            "operationId": "takeTransition",
            "summary": "Take a workflow action (submit, approve, return, ...)",
            "description": "422 (invalid_data, nothing changed) when the action needs a "
            "comment (pointer /comment) or fields filled in first (requires_fields of the "
            "transition or of the state it enters): one error per empty field, at the "
            "field's pointer in the record data (/outcome).",
            "requestBody": _body("TransitionRequest"),
            "responses": {
                "200": RECORD_OK,
                **_errors(400, 401, 403, 404, 415, 422),
                "409": json_response(
                    "Conflict", "Not allowed from the record's state; see allowed."
                ),
            },
        },
    },
    "/records/{record_id}/comments": {
        "parameters": [ref("parameters", "RecordId")],
        "get": {
            "operationId": "listComments",
            "summary": "The record's comment threads, oldest first",
            "responses": {
                "200": json_response("CommentList", "The threads with their replies."),
                **_errors(400, 401, 404),
            },
        },
        "post": {
            "operationId": "addComment",
            "summary": "Comment on a record, or reply to a comment, with @mentions",
            "description": "Whoever may see the record may comment. A parent_id that is not a "
            "comment of this record is a 422 at /parent_id; an empty or too long body, or a "
            "mention of someone unknown or who cannot see the record, a 422 at /body.",
            "requestBody": _body("CommentCreate"),
            "responses": {
                "201": json_response("Comment", "Added."),
                **_errors(400, 401, 404, 415, 422),
            },
        },
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "miniapps API",
            "version": "1",
            "description": "Apps, records and dashboards of the miniapps platform. Errors are "
            'JSON {"error", "message"}; validation errors add "errors": [{"pointer", '
            '"message"}]. Every route but this document needs Authorization: Bearer <token>.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            **PATHS,
            **INBOX_PATHS,
            **WEBHOOK_PATHS,
            **VIEW_PATHS,
            **COMPLIANCE_PATHS,
            **DOCUMENT_PATHS,
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token made with `miniapps tokens create EMAIL`.",
                }
            },
            "schemas": {**SCHEMAS, **VIEW_SCHEMAS, **COMPLIANCE_SCHEMAS, **DOCUMENT_SCHEMAS},
            "parameters": {
                **PARAMETERS,
                **WEBHOOK_PARAMETERS,
                **VIEW_PARAMETERS,
                **DOCUMENT_PARAMETERS,
            },
            "responses": RESPONSES,
        },
    }
