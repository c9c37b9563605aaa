"""The webhook part of the OpenAPI document: request and answer schemas (merged into
:mod:`openapi_schemas`), the path parameter and the paths (merged by :mod:`openapi_spec`).

Self-contained, so that :mod:`openapi_schemas` can import it without a cycle.
"""

from __future__ import annotations

from typing import Any

_JSON = "application/json"
_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _answer(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref("schemas", schema)}}}


def _errors(*names: tuple[int, str]) -> dict[str, Any]:
    return {str(code): _ref("responses", name) for code, name in names}


WEBHOOK_REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "WebhookCreate": {
        "type": "object",
        "required": ["url", "secret"],
        "additionalProperties": False,
        "properties": {
            "url": {
                "type": "string",
                "description": "Where events are POSTed: https (plain http only for hosts an "
                "administrator listed in MINIAPPS_WEBHOOK_INSECURE_HOSTS), no user name or "
                "password, at most 2,000 characters, a host whose addresses are all public "
                "(private, loopback, link-local, multicast and reserved ones are refused).",
                "examples": ["https://hooks.example.gov.uk/miniapps"],
            },
            "secret": {
                "type": "string",
                "description": "16 to 200 characters; keys the HMAC-SHA256 signature of each "
                "body (X-Miniapps-Signature: sha256=<hex>). Never returned.",
            },
            "channel": {
                "type": ["string", "null"],
                "description": "Only this channel's items (the id of a channel of a published "
                "app); absent or null: every channel.",
            },
            "org": {
                "type": ["string", "null"],
                "description": "ODS code of the stakeholder organisation the webhook is for; "
                "needed only by users of several stakeholder organisations.",
            },
        },
    },
}

_DELIVERY = {
    "type": "object",
    "required": [
        "delivery",
        "event",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
        "last_status",
    ],
    "properties": {
        "delivery": {"type": "string", "description": "Sent as X-Miniapps-Delivery."},
        "event": {"type": "string", "enum": ["item.sent", "item.action", "item.comment"]},
        "status": {"type": "string", "enum": ["queued", "delivered", "failed"]},
        "attempts": {"type": "integer", "minimum": 0},
        "created_at": _TIMESTAMP,
        "delivered_at": _TIMESTAMP,
        "last_status": {
            "type": ["integer", "null"],
            "description": "The HTTP status of the last attempt; null: no answer (yet).",
        },
    },
}

_WEBHOOK_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "url": {"type": "string"},
    "channel": {"type": ["string", "null"], "description": "null: every channel."},
}

WEBHOOK_SCHEMAS: dict[str, dict[str, Any]] = {
    "Webhook": {
        "type": "object",
        "required": ["id", "url", "channel"],
        "properties": _WEBHOOK_PROPERTIES,
    },
    "WebhookDelivery": _DELIVERY,
    "WebhookList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "url", "channel", "created_at", "deliveries"],
                    "properties": {
                        **_WEBHOOK_PROPERTIES,
                        "created_at": _TIMESTAMP,
                        "deliveries": {
                            "type": "array",
                            "items": _ref("schemas", "WebhookDelivery"),
                            "description": "The last 20 deliveries, newest first.",
                        },
                    },
                },
            }
        },
    },
}

WEBHOOK_PARAMETERS: dict[str, dict[str, Any]] = {
    "WebhookId": {
        "name": "webhook_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    },
}

_EVENTS = (
    "Each item sent to the organisation, each later step on it and each comment on its "
    'record is POSTed as JSON {"event": "item.sent" | "item.action" | "item.comment", '
    '"delivery", "channel", "stakeholder", "record", "at"} with the headers X-Miniapps-Event, '
    "X-Miniapps-Delivery and X-Miniapps-Signature: sha256=<hex HMAC-SHA256 of the raw body "
    "keyed with the secret>. A 2xx answer ends a delivery; anything else is retried with "
    "exponential backoff (8 attempts over about 22 hours), then the delivery fails."
)

WEBHOOK_PATHS: dict[str, dict[str, Any]] = {
    "/webhooks": {
        "get": {
            "operationId": "listWebhooks",
            "summary": "The caller's stakeholder organisations' webhooks",
            "description": "Each with its last 20 deliveries. Only stakeholder users have "
            "webhooks (403 for anyone else).",
            "parameters": [
                {
                    "name": "org",
                    "in": "query",
                    "description": "Only this stakeholder organisation's (an ODS code the "
                    "caller acts for; any other: 403).",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _answer("WebhookList", "The webhooks, oldest first."),
                **_errors((400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden")),
            },
        },
        "post": {
            "operationId": "registerWebhook",
            "summary": "Register a webhook for the caller's stakeholder organisation",
            "description": f"{_EVENTS} A refused URL is a 422 at /url, a short or long secret "
            "at /secret, a channel no published app has at /channel.",
            "requestBody": {
                "required": True,
                "content": {_JSON: {"schema": _ref("schemas", "WebhookCreate")}},
            },
            "responses": {
                "201": _answer("Webhook", "Registered (the secret is never returned)."),
                **_errors(
                    (400, "BadRequest"),
                    (401, "Unauthorized"),
                    (403, "Forbidden"),
                    (415, "UnsupportedMediaType"),
                    (422, "Unprocessable"),
                ),
            },
        },
    },
    "/webhooks/{webhook_id}": {
        "parameters": [_ref("parameters", "WebhookId")],
        "delete": {
            "operationId": "deleteWebhook",
            "summary": "Delete a webhook; its queued deliveries stop",
            "responses": {
                "204": {"description": "Deleted."},
                **_errors(
                    (400, "BadRequest"),
                    (401, "Unauthorized"),
                    (403, "Forbidden"),
                    (404, "NotFound"),
                ),
            },
        },
    },
}
