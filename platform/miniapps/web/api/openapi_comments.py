"""The comment schemas of the OpenAPI document (merged into :mod:`openapi_schemas`).

Self-contained, so that :mod:`openapi_schemas` can import it without a cycle.
"""

from __future__ import annotations

from typing import Any

from miniapps.web.converters import MAX_ID

COMMENT_REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "CommentCreate": {
        "type": "object",
        "required": ["body"],
        "additionalProperties": False,
        "properties": {
            "body": {
                "type": "string",
                "description": "The comment (at most 5,000 characters). Mention someone who "
                "may see the record with @ and their email address (@jo.bloggs@nhs.net): they "
                "are emailed a link, not the comment. Anyone else is refused at /body.",
            },
            "parent_id": {
                "type": ["integer", "null"],
                # Bounded like every id (a larger one used to reach the database: a 500).
                "minimum": 1,
                "maximum": MAX_ID,
                "description": "Reply to this comment of the same record (threads are one "
                "level deep: a reply to a reply joins the same thread).",
            },
        },
    },
}

COMMENT = {
    "type": "object",
    "required": [
        "id",
        "record",
        "parent_id",
        "author",
        "body",
        "created_at",
        "mentions",
        "replies",
    ],
    "properties": {
        "id": {"type": "integer"},
        "record": {"type": "integer"},
        "parent_id": {"type": ["integer", "null"], "description": "null: starts a thread."},
        "author": {
            "type": "object",
            "required": ["email", "name"],
            "properties": {"email": {"type": "string"}, "name": {"type": "string"}},
        },
        "body": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "mentions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Email addresses of the people mentioned.",
        },
        "replies": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Comment"},
            "description": "A thread's replies, oldest first; empty on a reply.",
        },
    },
}

COMMENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "Comment": COMMENT,
    "CommentList": {
        "type": "object",
        "required": ["record", "items", "total"],
        "properties": {
            "record": {"type": "integer"},
            "items": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Comment"},
                "description": "Threads, oldest first, each with its replies.",
            },
            "total": {"type": "integer", "description": "Comments and replies together."},
        },
    },
}
