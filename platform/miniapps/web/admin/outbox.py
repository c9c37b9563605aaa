"""The email outbox: every message with its state and attempts, and each one as it was sent."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.models import OUTBOX_STATUSES
from miniapps.services.admin.outbox import messages_page, visible_message
from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import page_number, page_size, pages, scope


@bp.route("/outbox")
def outbox() -> ResponseReturnValue:
    filters = {k: request.args.get(k, "").strip() for k in ("status", "to")}
    found = messages_page(
        db.session,
        scope(),
        status=filters["status"] or None,
        to=filters["to"] or None,
        page=page_number(),
        page_size=page_size(),
    )
    return render_template(
        "admin/outbox.html",
        found=found,
        filters=filters,
        statuses=OUTBOX_STATUSES,
        pages=pages(found.total),
    )


@bp.route("/outbox/<int:message_id>")
def message(message_id: int) -> ResponseReturnValue:
    return render_template(
        "admin/message.html", message=visible_message(db.session, scope(), message_id)
    )
