"""The inbox (``/inbox``): a stakeholder's channel items, a provider's "Sent" list, or both;
filters and paging in GET parameters; and its live stream (``/inbox/stream``).

Without JavaScript a refresh shows what arrived; with it, ``js/inbox_live.mjs`` listens to
the stream and swaps the results in place.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, has_request_context, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.periods.keys import MONTH
from miniapps.db import db
from miniapps.services.channels.inbox import (
    InboxFilters,
    filter_choices,
    inbox_page,
    latest_change,
    sees_items,
)
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import READ, Access
from miniapps.web.inbox.blueprint import bp
from miniapps.web.inbox.rows import inbox_rows, iso, london
from miniapps.web.inbox.stream import StreamTiming, events, marker, user_marker
from miniapps.web.session_user import current_access

FILTER_PARAMS = ("channel", "status", "provider", "breached", "period")
BREACHED = {"yes": True, "no": False}


def inbox_title(access: Access) -> str | None:
    """The page's title: "Inbox" (stakeholder), "Sent" (provider), both, or None (no items)."""
    inbox, sent = bool(access.stakeholder_org_ids), access.may_anywhere(READ)
    if inbox and sent:
        return "Inbox and sent"
    return "Inbox" if inbox else "Sent" if sent else None


@bp.app_context_processor
def inbox_link() -> dict[str, object]:
    """``inbox_nav``: the header link's words ("Inbox" or "Sent"), when the user has one."""
    if not has_request_context() or request.blueprint == "api":
        return {}
    if not current_user.is_authenticated:
        return {}
    access = current_access()
    return {"inbox_nav": "Inbox" if access.stakeholder_org_ids else inbox_title(access)}


def _allowed() -> Access:
    access = current_access()
    if not sees_items(access):
        abort(403, "You have no inbox: your organisation neither receives nor sends items.")
    return access


def _filters(args: dict[str, str]) -> tuple[InboxFilters, dict[str, str]]:
    """The filters the GET parameters ask for, and an error message per bad parameter."""
    errors: dict[str, str] = {}
    app_id, _, channel = args["channel"].rpartition("/")
    provider = None
    if args["provider"]:
        try:
            provider = by_ods(db.session, args["provider"])
        except UnknownOrganisation:
            errors["provider"] = f"No organisation has the ODS code {args['provider']!r}"
    if args["breached"] and args["breached"] not in BREACHED:
        errors["breached"] = "Choose overdue or not overdue"
    if args["period"] and not MONTH.fullmatch(args["period"]):
        errors["period"] = "Enter the month sent as a year and month, for example 2026-12"
    filters = InboxFilters(
        channel=channel or None,
        app=app_id or None,
        status=args["status"] or None,
        provider=provider,
        breached=BREACHED.get(args["breached"]),
        period=args["period"] if "period" not in errors else None,
    )
    return filters, errors


@bp.get("")
@login_required
def inbox() -> ResponseReturnValue:
    access = _allowed()
    args = {key: request.args.get(key, "").strip() for key in FILTER_PARAMS}
    filters, errors = _filters(args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    size = int(current_app.config["PAGE_SIZE"])
    # The marker first: an item arriving in between moves the stream, never goes unseen.
    since = marker(latest_change(db.session, access))
    found = inbox_page(db.session, access, filters, page=page, page_size=size)
    body = render_template(
        "inbox/index.html",
        title=inbox_title(access),
        receives=bool(access.stakeholder_org_ids),
        sends=access.may_anywhere(READ),
        rows=inbox_rows(db.session, found.items),
        found=found,
        pages=max((found.total + size - 1) // size, 1),
        args=args,
        filtered=any(args.values()),
        errors=errors,
        choices=filter_choices(db.session, access),
        marker=since,
        london=london,
        iso=iso,
    )
    return body, 400 if errors else 200


@bp.get("/stream")
def stream() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        abort(401, "Sign in to follow your inbox.")
    _allowed()
    # The generator runs after this request's context (and its session) has gone: it
    # reads with sessions of its own, from the app and the user's id captured here.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    user_id = int(current_user.id)
    since = request.headers.get("Last-Event-ID") or request.args.get("since") or None
    timing = StreamTiming.from_config(app.config)
    body = events(lambda: user_marker(app, user_id), since, timing)
    return Response(
        body,
        mimetype="text/event-stream",
        headers={
            "Cache-Control": "no-cache, no-store",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
        },
    )
