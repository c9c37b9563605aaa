"""The views part of the OpenAPI document: ``GET /apps/{app_id}/views/{view_id}`` and its
``View`` answer (merged into :mod:`openapi_spec`). Self-contained, so it imports nothing
of the document it is merged into."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
NULLABLE_TEXT = {"type": ["string", "null"]}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


COLUMN = {
    "type": "object",
    "required": ["pointer", "title", "month"],
    "properties": {
        "pointer": {"type": "string", "description": "The field, e.g. /event_type."},
        "title": {"type": "string"},
        "month": {"type": "boolean", "description": "Shown as its month (March 2026)."},
    },
}

VIEW_SCHEMAS: dict[str, dict[str, Any]] = {
    "View": {
        "type": "object",
        "description": "An anonymised view of an app's submitted records: only the listed "
        "answers, never the organisation, a record id or who reported.",
        "required": [
            "app",
            "view",
            "title",
            "description",
            "columns",
            "shared_text",
            "rows",
            "themes",
            "months",
            "total",
            "page",
            "page_size",
        ],
        "properties": {
            "app": {"type": "string"},
            "view": {"type": "string", "description": "The view's id in the definition."},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "columns": {"type": "array", "items": COLUMN},
            "shared_text": {
                "description": "The free-text field shown where the reporter agreed (null: "
                "the view has none).",
                "oneOf": [{"type": "null"}, COLUMN],
            },
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["values", "shared_text"],
                    "properties": {
                        "values": {
                            "type": "object",
                            "description": "Each column's answer as text, by pointer (null: "
                            "not answered); month fields as March 2026.",
                            "additionalProperties": NULLABLE_TEXT,
                        },
                        "shared_text": {
                            **NULLABLE_TEXT,
                            "description": "The shared text, only where the reporter agreed.",
                        },
                    },
                },
            },
            "themes": {
                "type": "array",
                "description": "Records by each theme field: every option with its title.",
                "items": {
                    "type": "object",
                    "required": ["pointer", "title", "counts", "not_answered"],
                    "properties": {
                        "pointer": {"type": "string"},
                        "title": {"type": "string"},
                        "counts": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["value", "title", "count"],
                                "properties": {
                                    "value": {"description": "The option as stored."},
                                    "title": {"type": "string"},
                                    "count": {"type": "integer", "minimum": 0},
                                },
                            },
                        },
                        "not_answered": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "months": {
                "type": "array",
                "description": "Records by month (of the first month field, else of "
                "submission, in London), every month from the first to the last.",
                "items": {
                    "type": "object",
                    "required": ["month", "title", "count"],
                    "properties": {
                        "month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
                        "title": {"type": "string", "examples": ["March 2026"]},
                        "count": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "total": {"type": "integer", "description": "Records in the view, on all pages."},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
        },
    }
}

VIEW_PARAMETERS: dict[str, dict[str, Any]] = {
    "ViewId": {"name": "view_id", "in": "path", "required": True, "schema": {"type": "string"}},
}

VIEW_PATHS: dict[str, dict[str, Any]] = {
    "/apps/{app_id}/views/{view_id}": {
        "parameters": [_ref("parameters", "AppId"), _ref("parameters", "ViewId")],
        "get": {
            "operationId": "getView",
            "summary": "An anonymised view of the app's records (shared learning)",
            "description": "For callers holding one of the view's roles: the submitted "
            "records of the organisations where they hold such a role and may read the app's "
            "records, in the view's states and matching its condition. Rows (one page) show "
            "only the view's fields; counts by theme and month cover every record. Anyone "
            "else, and an unknown view, gets a 404.",
            "parameters": [_ref("parameters", "Page")],
            "responses": {
                "200": {
                    "description": "One page of the view.",
                    "content": {JSON: {"schema": _ref("schemas", "View")}},
                },
                "400": _ref("responses", "BadRequest"),
                "401": _ref("responses", "Unauthorized"),
                "404": _ref("responses", "NotFound"),
            },
        },
    }
}
