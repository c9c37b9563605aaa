"""The schemas of the OpenAPI document (``components/schemas``), as Python data.

:data:`REQUEST_SCHEMAS` are also what :mod:`miniapps.web.api.parsing` validates request
bodies with, so the document and the routes accept the same thing.
"""

from __future__ import annotations

from typing import Any

from miniapps.web.api.openapi_comments import COMMENT_REQUEST_SCHEMAS, COMMENT_SCHEMAS
from miniapps.web.api.openapi_inbox import INBOX_SCHEMAS, RECORD_CHANNEL_MEMBERS
from miniapps.web.api.openapi_webhooks import WEBHOOK_REQUEST_SCHEMAS, WEBHOOK_SCHEMAS

JSON = "application/json"
ODS = {"type": "string", "description": "An ODS code such as A00001.", "examples": ["A00001"]}
PERIOD = {
    "type": "string",
    "pattern": r"^\d{4}(-(0[1-9]|1[0-2])|-W(0[1-9]|[1-4]\d|5[0-3])|-Q[1-4])?$",
    "description": "A reporting period: 2025-04 (month), 2025-Q1, 2025-W07 or 2025.",
    "examples": ["2025-04"],
}
MONTH = {
    "type": "string",
    "pattern": r"^\d{4}-(0[1-9]|1[0-2])$",
    "description": "A month: 2025-04.",
    "examples": ["2025-04"],
}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _list_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total", "page", "page_size"],
        "properties": {
            "items": {"type": "array", "items": ref("schemas", item)},
            "total": {"type": "integer", "description": "Matching items on all pages."},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
        },
    }


def json_response(schema: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {JSON: {"schema": ref("schemas", schema)}},
        **extra,
    }


# Request bodies: self-contained JSON Schemas (no $ref), used for validation too.
REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "RecordCreate": {
        "type": "object",
        "required": ["org", "data"],
        "additionalProperties": False,
        "properties": {
            "org": ODS,
            "period": {
                "type": ["string", "null"],
                "description": "Required for periodic apps: 2025-04, 2025-Q1, 2025-W07 or 2025.",
            },
            "data": {
                "type": "object",
                "description": "The record's data, checked against the app's schema "
                "(fully when submitted; a draft need only be an object).",
            },
            "submit": {
                "type": "boolean",
                "default": False,
                "description": "Submit at once (validates fully) instead of saving a draft.",
            },
        },
    },
    "RecordUpdate": {
        "type": "object",
        "required": ["data"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "object", "description": "The whole new data of the record."},
            "submit": {"type": "boolean", "default": False},
        },
    },
    "TransitionRequest": {
        "type": "object",
        "required": ["action"],
        "additionalProperties": False,
        "properties": {
            "action": {"type": "string", "minLength": 1, "examples": ["submit", "approve"]},
            "comment": {
                "type": ["string", "null"],
                "description": "Required by transitions that ask for one (e.g. return).",
            },
            "data": {
                "type": "object",
                "description": "Values of the fields the step fills in (its `fields`, e.g. "
                '{"la_outcome": "section_42_enquiry"}), merged into the record\'s data '
                "and checked with it; a key outside the step's fields is refused at "
                "/data/<key>, a null clears the field.",
                "examples": [{"la_outcome": "section_42_enquiry"}],
            },
        },
    },
    **COMMENT_REQUEST_SCHEMAS,
    **WEBHOOK_REQUEST_SCHEMAS,
}

MONEY = {"type": ["number", "null"], "description": "Pounds, to the penny; null: no £ per point."}
PATIENTS = {
    "type": ["integer", "null"],
    "minimum": 0,
    "description": "Patients to add to the numerator (higher is better) or take off it (lower) "
    "to reach the threshold; null when the denominator is 0.",
}
INDICATOR_ROW = {
    "type": "object",
    "required": [
        "code",
        "title",
        "direction",
        "numerator",
        "denominator",
        "exclusions",
        "achievement",
        "lower_threshold",
        "upper_threshold",
        "rag",
        "points",
        "max_points",
        "earned",
        "potential",
        "remaining",
        "to_lower",
        "to_upper",
        "value_per_patient",
        "below_lower",
        "adjustment_applied",
    ],
    "properties": {
        "code": {"type": "string"},
        "title": {"type": "string"},
        "direction": {"type": "string", "enum": ["higher", "lower"]},
        "numerator": {"type": "integer"},
        "denominator": {"type": "integer", "description": "Already net of exclusions."},
        "exclusions": {"type": "integer", "description": "For information; not subtracted."},
        "achievement": {
            "type": ["number", "null"],
            "description": "numerator / denominator, a fraction; null when the denominator is 0.",
        },
        "lower_threshold": {"type": "number"},
        "upper_threshold": {"type": "number"},
        "rag": {"type": "string", "enum": ["red", "amber", "green", "none"]},
        "points": {"type": "number", "description": "To 2 dp."},
        "max_points": {"type": "number"},
        "earned": MONEY,
        "potential": MONEY,
        "remaining": MONEY,
        "to_lower": PATIENTS,
        "to_upper": PATIENTS,
        "value_per_patient": {
            "type": ["number", "null"],
            "description": "£ per extra patient between the thresholds (once the lower one is "
            "reached, when below_lower); 0 when green; null without £ or eligible patients.",
        },
        "below_lower": {
            "type": "boolean",
            "description": "Below the lower threshold: the first patients earn nothing.",
        },
        "adjustment_applied": {
            "type": "boolean",
            "description": "false: the list-size or prevalence adjustment lacked its inputs "
            "and was not applied.",
        },
    },
}

DASHBOARD_TYPES = (
    "Automatic widgets: records, number_summary, value_counts, records_by_period, trend, "
    "records_by_org, number_by_org. Then the widgets the definition declares, with its id "
    "and title: metric, chart, table, indicator, map, duration, heatmap."
)
DASHBOARD_DATA = (
    "Depends on type. Declared widgets: metric {aggregate, field, value, period, comparison: "
    "{period, value, difference} | null}; chart {chart, group_by, aggregate, field, labels, "
    "keys, datasets: [{label, values}], average}; table {columns: [{pointer, title}], rows: "
    "[{ods, period, month (group_by month only), values}], restricted (only where the "
    "caller sees figures beyond the records it reads: only readable records are listed, "
    "and this says why)}; map {aggregate, field, "
    "organisations: [{ods, name, type, value}], note}; indicator (one indicator result row "
    "plus org and period, or {code, unavailable}); duration {from, to, state_title, "
    "group_by, count, median_days, p90_days, open: {count, median_days, max_days}, groups: "
    "[{key, label, count, median_days, p90_days, open}]} in days to one decimal; heatmap "
    "{x: {field, title, values}, y: {field, title, values}, cells: [{x, y, count, score, "
    "band}] (impact rows high to low), bands: [{max, label, colour}], total}. aggregate "
    "is items when a widget counts the items of a repeating section; with group_by month "
    "the keys are London months (2026-04), every one from the first record's to the last."
)
ISSUE = {
    "type": "object",
    "required": ["pointer", "message"],
    "properties": {
        "pointer": {
            "type": "string",
            "description": "JSON pointer: into the record data for data problems (/reading, "
            "also a field a workflow action needs filled in first), into the definition for "
            "definition problems, else at the request member (/org, /period, /to, /comment, "
            "/body, /parent_id).",
        },
        "message": {"type": "string"},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    **REQUEST_SCHEMAS,
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
    "Issue": ISSUE,
    "ValidationError": {
        "type": "object",
        "required": ["error", "message", "errors"],
        "properties": {
            "error": {
                "type": "string",
                "enum": [
                    "invalid_request",
                    "invalid_definition",
                    "incompatible_change",
                    "invalid_data",
                ],
            },
            "message": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}},
        },
    },
    "Conflict": {
        "type": "object",
        "required": ["error", "message"],
        "description": "A stale If-Match (error conflict, with current_version), a record that "
        "can no longer be edited (not_editable), an action not allowed from the record's "
        "state (transition_not_allowed, with allowed), or a period the organisation's record "
        "already holds (record_exists, with record_id and record, its address).",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "current_version": {"type": "integer"},
            "allowed": {"type": "array", "items": {"type": "string"}},
            "record_id": {"type": "integer"},
            "record": {"type": "string"},
        },
    },
    "AppSummary": {
        "type": "object",
        "required": ["id", "title", "version", "status"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "version": {"type": "integer", "description": "The latest published version."},
            "status": {"type": "string", "enum": ["draft", "published", "retired"]},
        },
    },
    "AppList": _list_of("AppSummary"),
    "Definition": {
        "type": "object",
        "description": "An app definition (app.json), validated against "
        "schemas/app-definition.schema.json and then semantically.",
        "required": ["id", "title", "version", "schema"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "title": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "schema": {"type": "object", "description": "JSON Schema 2020-12 of one record."},
        },
    },
    "Published": {
        "type": "object",
        "required": ["id", "version", "created"],
        "properties": {
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "created": {
                "type": "boolean",
                "description": "false when identical content was already the latest version "
                "(only the targets were added).",
            },
        },
    },
    "Record": {
        "type": "object",
        "required": [
            "id",
            "app",
            "app_version",
            "org",
            "period",
            "status",
            "version",
            "data",
            "created_at",
            "updated_at",
            "submitted_at",
            "created_by",
            "actions",
            "channels",
        ],
        "properties": {
            "id": {"type": "integer"},
            "app": {"type": "string"},
            "app_version": {"type": "integer", "description": "Definition version used."},
            "org": ODS,
            "period": {"type": ["string", "null"]},
            "status": {"type": "string", "description": "The workflow state."},
            "version": {"type": "integer", "description": "Lock counter, for If-Match."},
            "data": {"type": "object"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "submitted_at": TIMESTAMP,
            "created_by": {"type": ["string", "null"], "description": "Creator's email."},
            **RECORD_CHANNEL_MEMBERS,
        },
    },
    "RecordList": _list_of("Record"),
    **INBOX_SCHEMAS,
    **COMMENT_SCHEMAS,
    **WEBHOOK_SCHEMAS,
    "IndicatorResults": {
        "type": "object",
        "required": ["org", "period", "indicators"],
        "properties": {
            "org": ODS,
            "period": MONTH,
            "indicators": {"type": "array", "items": INDICATOR_ROW},
            "year": {
                "type": "string",
                "description": "Financial year of the year set used (apps whose indicators "
                "are yearly data), e.g. 2025/26.",
            },
            "illustrative": {
                "type": "boolean",
                "description": "Some figure of the year set is not verified (shown as "
                "illustrative); each row says so for its own indicator too.",
            },
        },
    },
    "Dashboard": {
        "type": "object",
        "required": ["app", "org", "widgets"],
        "properties": {
            "app": {"type": "string"},
            "org": {"type": ["string", "null"], "description": "null: all the caller may read."},
            "widgets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type", "title", "data"],
                    "properties": {
                        "id": {
                            "type": "string",
                            "description": "records, or a field's JSON pointer (/reading).",
                        },
                        "type": {"type": "string", "description": DASHBOARD_TYPES},
                        "title": {"type": "string"},
                        "data": {"type": "object", "description": DASHBOARD_DATA},
                    },
                },
            },
        },
    },
}
