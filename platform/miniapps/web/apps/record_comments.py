"""Commenting on a record: a comment or a reply, with @mentions, from the record page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.services.permissions import Forbidden
from miniapps.services.records.comments import add_comment, get_comment
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app_record, render_record_page
from miniapps.web.session_user import current_access


@bp.route("/<app_id>/records/<int:record_id>/comments", methods=["POST"])
@login_required
def comment(app_id: str, record_id: int) -> ResponseReturnValue:
    app, item = load_app_record(app_id, record_id)
    body = request.form.get("body", "")
    parent_id = request.form.get("parent_id", type=int)
    parent = get_comment(db.session, item, parent_id) if parent_id else None
    if parent_id and parent is None:
        abort(404, "There is no such comment on this record.")
    try:
        added = add_comment(
            db.session,
            current_access(),
            item,
            body,
            current_user,
            parent=parent,
            base_url=current_app.config["BASE_URL"],
        )
    except Forbidden:
        db.session.rollback()
        abort(404, "There is no such record, or you cannot see it.")
    except DataInvalid as exc:
        db.session.rollback()
        page = render_record_page(
            app,
            item,
            comment_errors=[issue.message for issue in exc.issues],
            comment_body=body,
            comment_parent_id=parent.id if parent is not None else None,
        )
        return page, 400
    db.session.commit()
    flash("Your reply was added." if added.parent_id else "Your comment was added.", "success")
    return redirect(
        url_for("apps.record", app_id=app.id, record_id=item.id, _anchor=f"comment-{added.id}")
    )
