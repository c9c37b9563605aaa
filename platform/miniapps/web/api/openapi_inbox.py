"""The channel parts of the OpenAPI document: a record's ``channels`` and ``actions``
(merged into :mod:`openapi_schemas`) and ``GET /inbox`` (merged into :mod:`openapi_spec`).

Self-contained, so that both can import it without a cycle.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
TIME = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}
MAYBE_TIME = {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339, UTC."}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


CHANNEL_ITEM_MEMBERS: dict[str, Any] = {
    "channel": {"type": "string", "description": "The channel's id in the app definition."},
    "stakeholder": {"type": "string", "description": "ODS code of the receiving organisation."},
    "sent_at": TIME,
    "acknowledge_by": {**MAYBE_TIME, "description": "When it must be acknowledged (null: no SLA)."},
    "decide_by": {**MAYBE_TIME, "description": "When it must be decided (null: no SLA)."},
    "acknowledged_at": MAYBE_TIME,
    "decided_at": MAYBE_TIME,
    "closed_at": MAYBE_TIME,
    "breached": {"type": "boolean", "description": "An SLA clock ran out before it stopped."},
}

INBOX_SCHEMAS: dict[str, dict[str, Any]] = {
    "ChannelItem": {
        "type": "object",
        "description": "The record sent to one stakeholder organisation through one channel.",
        "required": list(CHANNEL_ITEM_MEMBERS),
        "properties": CHANNEL_ITEM_MEMBERS,
    },
    "RecordAction": {
        "type": "object",
        "description": "A workflow action the caller may take on the record now.",
        "required": ["action", "title", "comment_required", "requires_fields", "fields"],
        "properties": {
            "action": {"type": "string", "description": "What to send as TransitionRequest."},
            "title": {"type": "string"},
            "comment_required": {"type": "boolean"},
            "requires_fields": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Pointers of the fields that must hold a value first.",
            },
            "fields": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Pointers of the fields this step fills in: send their values "
                "as TransitionRequest.data.",
            },
        },
    },
    "InboxItem": {
        "type": "object",
        "required": ["record", *CHANNEL_ITEM_MEMBERS],
        "properties": {"record": _ref("schemas", "Record"), **CHANNEL_ITEM_MEMBERS},
    },
    "Inbox": {
        "type": "object",
        "required": ["items", "total", "page", "page_size"],
        "properties": {
            "items": {"type": "array", "items": _ref("schemas", "InboxItem")},
            "total": {"type": "integer", "description": "Matching items on all pages."},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
        },
    },
}

# The members every record answer gains.
RECORD_CHANNEL_MEMBERS: dict[str, Any] = {
    "actions": {
        "type": "array",
        "items": _ref("schemas", "RecordAction"),
        "description": "The workflow actions the caller may take now.",
    },
    "channels": {
        "type": "array",
        "items": _ref("schemas", "ChannelItem"),
        "description": "The channel items the caller may see: a stakeholder its own "
        "organisation's, the provider side all of them.",
    },
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema or {"type": "string"},
    }


INBOX_PATHS: dict[str, dict[str, Any]] = {
    "/inbox": {
        "get": {
            "operationId": "getInbox",
            "summary": "Channel items the caller may see, the most recently sent first",
            "description": "A stakeholder user gets their organisation's items; a provider "
            "user the items of the records they may read (what their side sent). Each item "
            "carries its record as the caller sees it. Every channel record returned is "
            "written to its audit trail as read. An unknown ODS code in `org` is a 404; a "
            "`breached` other than true or false, or an unknown parameter, a 400.",
            "parameters": [
                _query("channel", "A channel id, e.g. adult_safeguarding."),
                _query("status", "The record's workflow state, e.g. sent."),
                _query(
                    "org", "A provider's ODS code: its items and those of everything beneath it."
                ),
                _query(
                    "breached",
                    "Only breached items (true) or only others (false).",
                    {"type": "string", "enum": ["true", "false"]},
                ),
                _ref("parameters", "Page"),
            ],
            "responses": {
                "200": {
                    "description": "One page of items.",
                    "content": {JSON: {"schema": _ref("schemas", "Inbox")}},
                },
                "400": _ref("responses", "BadRequest"),
                "401": _ref("responses", "Unauthorized"),
                "404": _ref("responses", "NotFound"),
            },
        }
    }
}
