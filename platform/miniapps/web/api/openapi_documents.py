"""The document library's part of the OpenAPI document (merged in :mod:`openapi_spec`):
the documents of a practice (or kept at a PCN) with adoption and read-and-sign, and
signing a version. Self-contained, so that no import cycle forms."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _answer(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("schemas", schema)}}}


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        415: "UnsupportedMediaType",
        422: "Unprocessable",
    }
    return {str(code): _ref("responses", names[code]) for code in codes}


COVERAGE = {
    "type": ["object", "null"],
    "description": "People who must sign and those who signed the current version; null "
    "where the practice never adopted the document.",
    "required": ["signed", "required", "percent"],
    "properties": {
        "signed": {"type": "integer"},
        "required": {"type": "integer"},
        "percent": {
            "type": ["integer", "null"],
            "description": "Rounded down; null: nobody must sign.",
        },
    },
}

DOCUMENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "SignatureCreate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "org": {
                "type": "string",
                "description": "The practice (ODS code) the caller signs at; default: theirs "
                "where the document applies and they must sign it.",
            }
        },
    },
    "Signature": {
        "type": "object",
        "required": ["document", "version", "user", "org", "signed_at"],
        "properties": {
            "document": {"type": "integer", "description": "The document's record id."},
            "version": {"type": "integer"},
            "user": {"type": "string", "description": "The signer's email address."},
            "org": {"type": "string", "description": "The practice's ODS code."},
            "signed_at": {"type": "string", "format": "date-time"},
        },
    },
    "DocumentList": {
        "type": "object",
        "required": ["org", "documents"],
        "properties": {
            "org": {"type": "string"},
            "documents": {"type": "array", "items": _ref("schemas", "DocumentSummary")},
        },
    },
    "DocumentSummary": {
        "type": "object",
        "required": [
            "id",
            "app",
            "title",
            "category",
            "owner",
            "keeper",
            "current_version",
            "adoption",
            "coverage",
            "practices",
            "to_sign",
        ],
        "properties": {
            "id": {"type": "integer", "description": "The document's record id."},
            "app": {"type": "string"},
            "title": {"type": "string"},
            "category": {"type": ["string", "null"]},
            "owner": {"type": ["string", "null"]},
            "keeper": {"type": "string", "description": "ODS code of the keeping organisation."},
            "current_version": {
                "type": ["object", "null"],
                "required": ["number", "published_at", "review_due", "review_overdue"],
                "properties": {
                    "number": {"type": "integer"},
                    "published_at": MOMENT,
                    "review_due": DATE,
                    "review_overdue": {"type": "boolean"},
                },
            },
            "adoption": {
                "type": ["object", "null"],
                "description": "The practice's adoption (null when org is not a practice).",
                "required": ["status", "version", "mode", "adopted_at", "due"],
                "properties": {
                    "status": {
                        "enum": [
                            "not_adopted",
                            "adopted",
                            "adopted_local",
                            "readopt",
                            "readopt_overdue",
                        ]
                    },
                    "version": {"type": ["integer", "null"]},
                    "mode": {"enum": ["as_is", "local", None]},
                    "adopted_at": MOMENT,
                    "due": {**DATE, "description": "Adopt the current version by then."},
                },
            },
            "coverage": COVERAGE,
            "practices": {
                "type": ["object", "null"],
                "description": "At a PCN or ICB: practices that adopted the current version "
                "of those it applies to (null for a practice).",
                "required": ["adopted", "total"],
                "properties": {"adopted": {"type": "integer"}, "total": {"type": "integer"}},
            },
            "to_sign": {
                "type": ["integer", "null"],
                "description": "The version the caller must still sign at this practice.",
            },
        },
    },
}

DOCUMENT_PARAMETERS: dict[str, dict[str, Any]] = {
    "DocumentId": {
        "name": "record_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
        "description": "The document's record id.",
    },
    "VersionNumber": {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    },
}

DOCUMENT_PATHS: dict[str, dict[str, Any]] = {
    "/documents": {
        "get": {
            "operationId": "listDocuments",
            "summary": "Controlled documents with adoption and read-and-sign",
            "description": "For a practice: every document that applies to it (published, "
            "kept at or above it) with its adoption status and its people's read-and-sign "
            "of the current version. For a PCN or ICB: the documents kept there and beneath "
            "it, with the practices that adopted them and coverage across them. Missing org: "
            "422 at /org; unknown or not readable: 404.",
            "parameters": [
                {
                    "name": "org",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "An ODS code.",
                }
            ],
            "responses": {
                "200": _answer("DocumentList", "The documents."),
                **_errors(400, 401, 404, 422),
            },
        }
    },
    "/documents/{record_id}/versions/{number}/signatures": {
        "parameters": [_ref("parameters", "DocumentId"), _ref("parameters", "VersionNumber")],
        "post": {
            "operationId": "signDocument",
            "summary": "Read and sign a version as the caller",
            "description": "201 with the new signature; 200 with the first one when the "
            "caller signed already. 404 when the caller cannot see the document or version; "
            "403 when they do not hold one of its sign roles at the practice; 409 when the "
            "version is superseded (sign the current one) or not adopted by the practice.",
            "requestBody": {
                "required": False,
                "content": {JSON: {"schema": _ref("schemas", "SignatureCreate")}},
            },
            "responses": {
                "201": _answer("Signature", "Signed."),
                "200": _answer("Signature", "Signed already: the first signature."),
                **_errors(400, 401, 403, 404, 415, 422),
                "409": _answer("Error", "Superseded, or not adopted by the practice."),
            },
        },
    },
}
