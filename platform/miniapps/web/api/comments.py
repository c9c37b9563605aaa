"""Comments on a record: read the thread, add a comment or a reply (with @mentions).

The same service as the record page (:mod:`miniapps.services.records.comments`) and the same
permission filter: a record the caller may not see is a 404, whoever may see it may
comment. Order of checks: token (401), the record (404), the body (415/400/422).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from miniapps.core.errors import Issue
from miniapps.db import db
from miniapps.models import Comment
from miniapps.services.records.comments import add_comment, get_comment, thread
from miniapps.services.records.representation import timestamp
from miniapps.web.api.auth import api_access, api_user
from miniapps.web.api.blueprint import bp
from miniapps.web.api.lookups import record_or_404
from miniapps.web.api.parsing import RequestInvalid, allow_params, validated_body


def comment_answer(comment: Comment, replies: list[Comment] | None = None) -> dict[str, Any]:
    """One comment; a thread's first comment carries its ``replies``, oldest first."""
    return {
        "id": comment.id,
        "record": comment.record_id,
        "parent_id": comment.parent_id,
        "author": {"email": comment.author.email, "name": comment.author.name},
        "body": comment.body,
        "created_at": timestamp(comment.created_at),
        "mentions": [mention.user.email for mention in comment.mentions],
        "replies": [comment_answer(reply) for reply in replies or []],
    }


@bp.get("/records/<int:record_id>/comments")
def list_comments(record_id: int) -> ResponseReturnValue:
    allow_params([])
    record = record_or_404(record_id)
    threads = thread(db.session, record)
    return jsonify(
        {
            "record": record.id,
            "items": [comment_answer(first, first.replies) for first in threads],
            "total": sum(1 + len(first.replies) for first in threads),
        }
    )


@bp.post("/records/<int:record_id>/comments")
def create_comment(record_id: int) -> ResponseReturnValue:
    allow_params([])
    record = record_or_404(record_id)
    body = validated_body("CommentCreate")
    parent_id = body.get("parent_id")
    parent = get_comment(db.session, record, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        message = f"There is no comment {parent_id} on record {record.id}."
        raise RequestInvalid([Issue("/parent_id", message, "unknown_comment")])
    added = add_comment(
        db.session,
        api_access(),
        record,
        body["body"],
        api_user(),
        parent=parent,
        base_url=current_app.config["BASE_URL"],
    )
    db.session.commit()
    response = jsonify(comment_answer(added))
    response.status_code = 201
    return response
