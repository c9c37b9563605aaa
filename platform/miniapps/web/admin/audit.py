"""The audit log: every change in the caller's scope, filtered by person, record, app, time."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.admin.audit import AuditFilters, audit_page
from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import page_number, page_size, pages, scope

FIELDS = ("user", "record", "app", "from", "to")


@bp.route("/audit")
def audit() -> ResponseReturnValue:
    raw = {k: request.args.get(k, "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    record_id = None
    if raw["record"]:
        if raw["record"].isdigit() and len(raw["record"]) <= 9:  # an id column's range
            record_id = int(raw["record"])
        else:
            errors["record"] = "Enter a record number, like 42"
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        try:
            days[key] = date.fromisoformat(raw[key]) if raw[key] else None
        except ValueError:
            errors[key] = "Enter a date like 2025-04-30"
            days[key] = None
    if days["from"] and days["to"] and days["to"] < days["from"]:
        errors["to"] = "The end date must be the same as or after the start date"
    if errors:
        return render_template("admin/audit.html", found=None, raw=raw, errors=errors, pages=1), 400
    filters = AuditFilters(
        user=raw["user"] or None,
        record_id=record_id,
        app_id=raw["app"] or None,
        since=days["from"],
        until=days["to"],
    )
    found = audit_page(db.session, scope(), filters, page=page_number(), page_size=page_size())
    return render_template(
        "admin/audit.html", found=found, raw=raw, errors=errors, pages=pages(found.total)
    )
