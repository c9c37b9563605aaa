"""The inbox: ``GET /api/v1/inbox``, the channel items the caller may see, one page at a
time, the most recently sent first.

A stakeholder user gets their organisation's items; a provider user the items of the
records they may read ("Sent"). Each item carries its record as the caller sees it
(with ``channels`` and ``actions``), and each channel record returned counts as read
(:mod:`miniapps.services.channels.reads`).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.models import ChannelItem, Organisation
from miniapps.services.channels.inbox import InboxFilters, inbox_page
from miniapps.services.channels.items import item_json
from miniapps.services.channels.reads import audit_reads
from miniapps.services.organisations import by_ods
from miniapps.web.api.answers import record_answers
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.parsing import BadParameter, allow_params, page_param, page_size, text_param

INBOX_PARAMS = ("channel", "status", "org", "breached", "page")


def breached_param() -> bool | None:
    """``breached``: ``true`` or ``false`` (absent or blank: either)."""
    raw = text_param("breached")
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise BadParameter(f"breached must be true or false (got {request.args['breached']!r}).")
    return raw.lower() == "true"


@bp.get("/inbox")
def inbox() -> ResponseReturnValue:
    allow_params(INBOX_PARAMS)
    access = api_access()
    breached = breached_param()
    page_number = page_param()
    ods = text_param("org")
    provider: Organisation | None = by_ods(db.session, ods) if ods else None
    filters = InboxFilters(
        channel=text_param("channel"),
        status=text_param("status"),
        provider=provider,
        breached=breached,
    )
    page = inbox_page(db.session, access, filters, page=page_number, page_size=page_size())
    records = list({item.record_id: item.record for item in page.items}.values())
    answers = {answer["id"]: answer for answer in record_answers(db.session, access, records)}
    body = {
        "items": [inbox_item(answers[item.record_id], item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }
    if audit_reads(db.session, access, records, "api"):
        db.session.commit()
    return jsonify(body)


def inbox_item(record: dict[str, Any], item: ChannelItem) -> dict[str, Any]:
    return {"record": record, **item_json(item)}
