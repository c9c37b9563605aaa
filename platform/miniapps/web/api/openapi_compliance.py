"""The compliance part of the OpenAPI document: ``GET /compliance`` and its ``Compliance``
answer (merged into :mod:`openapi_spec`). Self-contained, so it imports nothing of the
document it is merged into."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
STATUS = {"type": "string", "enum": ["evidenced", "gaps", "no_evidence"]}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


GAP = {
    "type": "object",
    "required": ["kind", "text", "link"],
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "examples": ["review_overdue", "actions_open"]},
        "text": {"type": "string", "description": "A plain sentence for people."},
        "link": {"type": ["string", "null"], "description": "A path of the site, if any."},
    },
}

STATEMENT = {
    "type": "object",
    "required": ["id", "title", "evidence", "latest", "status", "gaps"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "evidence": {
            "type": "integer",
            "minimum": 0,
            "description": "Pieces of evidence dated in the last 12 months.",
        },
        "latest": {
            "type": ["string", "null"],
            "format": "date",
            "description": "The date of the newest piece (null: none).",
        },
        "status": {
            **STATUS,
            "description": "gaps when anything is missing, else evidenced when it holds "
            "evidence, else no_evidence.",
        },
        "gaps": {"type": "array", "items": GAP},
    },
}

COMPLIANCE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Compliance": {
        "type": "object",
        "description": "A practice's evidence and gaps against a compliance framework "
        "version, per key question and quality statement.",
        "required": ["org", "framework", "key_questions"],
        "additionalProperties": False,
        "properties": {
            "org": {"type": "string", "description": "The practice's ODS code."},
            "framework": {
                "type": "object",
                "required": ["id", "version"],
                "additionalProperties": False,
                "properties": {"id": {"type": "string"}, "version": {"type": "string"}},
            },
            "key_questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "status", "statements"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {
                            **STATUS,
                            "description": "evidenced when every statement is, no_evidence "
                            "when none holds evidence or a gap, else gaps.",
                        },
                        "statements": {"type": "array", "items": STATEMENT},
                    },
                },
            },
        },
    }
}


def _query(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


COMPLIANCE_PATHS: dict[str, dict[str, Any]] = {
    "/compliance": {
        "get": {
            "operationId": "getCompliance",
            "summary": "A practice's evidence and gaps against a compliance framework",
            "description": "For a practice whose records of the framework's compliance app "
            "the caller may read (their practice; a PCN manager's member practices; an ICB "
            "viewer's practices below). Evidence counts when dated in the last 12 months; "
            "evidence of an older framework version counts for the statements its mapping "
            "names. A missing org is a 400; an unknown or invisible practice, or an unknown "
            "framework or version, a 404.",
            "parameters": [
                _query("org", "The practice's ODS code.", required=True),
                _query(
                    "framework",
                    "A framework id (cqc-saf). Default: that of the compliance app the "
                    "caller sees, or the only framework loaded.",
                ),
                _query("version", "A loaded version. Default: the one loaded last."),
            ],
            "responses": {
                "200": {
                    "description": "The assessment.",
                    "content": {JSON: {"schema": _ref("schemas", "Compliance")}},
                },
                "400": _ref("responses", "BadRequest"),
                "401": _ref("responses", "Unauthorized"),
                "404": _ref("responses", "NotFound"),
            },
        }
    }
}
