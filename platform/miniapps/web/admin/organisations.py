"""Organisations: the list, CSV import (upload, preview, confirm), activity dates, and a
stakeholder's category and area."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.admin import organisations as admin_orgs
from miniapps.services.admin import stakeholders as admin_stakeholders
from miniapps.services.organisations import (
    IMPORT_COLUMNS,
    STANDARD_CATEGORIES,
    ActivityInvalid,
    OrganisationImportInvalid,
)
from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import page_number, page_size, pages, scope

DATE_PARTS = ("day", "month", "year")


@bp.route("/organisations")
def organisations() -> ResponseReturnValue:
    here = scope()
    search = request.args.get("q", "").strip()
    found = admin_orgs.orgs_page(
        db.session, here, search=search or None, page=page_number(), page_size=page_size()
    )
    return render_template(
        "admin/organisations.html",
        found=found,
        search=search,
        here=here,
        pages=pages(found.total),
    )


@bp.route("/organisations/import", methods=["GET", "POST"])
def import_organisations() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        content = upload.read() if upload is not None else b""
        if not content:
            error = "Choose a CSV file to upload"
        else:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                error = "The file must be CSV UTF-8: save it as CSV UTF-8 and upload it again"
            else:
                return _preview(text)
    return render_template(
        "admin/org_import.html", error=error, columns=IMPORT_COLUMNS
    ), 400 if error else 200


def _preview(text: str, issues_from_confirm: list[str] | None = None) -> ResponseReturnValue:
    preview = admin_orgs.preview_import(db.session, scope(), text)
    problems = issues_from_confirm or preview.lines()
    return render_template(
        "admin/org_import_preview.html",
        preview=preview,
        problems=problems,
        text=text,
        columns=IMPORT_COLUMNS,
    ), 400 if problems else 200


@bp.route("/organisations/import/confirm", methods=["POST"])
def confirm_import() -> ResponseReturnValue:
    text = request.form.get("csv", "")
    try:
        created, updated = admin_orgs.apply_import(db.session, scope(), text)
    except OrganisationImportInvalid as exc:
        db.session.rollback()
        return _preview(text, [f"{i.pointer}: {i.message}" for i in exc.issues])
    db.session.commit()
    flash(f"Organisations imported: {created} added, {updated} changed.", "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/<ods>/activity", methods=["GET", "POST"])
def activity(ods: str) -> ResponseReturnValue:
    here = scope()
    org = admin_orgs.visible_org(db.session, here, ods)
    here.require_org_change(org)
    values = {
        field: {part: _part(org, field, part) for part in DATE_PARTS}
        for field in ("active_from", "closed_on")
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        days: dict[str, date | None] = {}
        for field in values:
            values[field] = {p: request.form.get(f"{field}-{p}", "").strip() for p in DATE_PARTS}
            try:
                days[field] = _date(values[field])
            except ValueError:
                errors[field] = "Enter a real date, like 31 3 2025, or leave it empty"
        if not errors:
            try:
                admin_orgs.change_activity(
                    db.session,
                    here,
                    org,
                    active_from=days["active_from"],
                    closed_on=days["closed_on"],
                )
            except ActivityInvalid as exc:
                db.session.rollback()
                errors = {i.pointer.lstrip("/"): i.message for i in exc.issues}
            else:
                db.session.commit()
                flash(f"The dates of {org.name} are saved.", "success")
                return redirect(url_for("admin.organisations", q=org.ods))
    return render_template(
        "admin/org_activity.html", org=org, values=values, errors=errors
    ), 400 if errors else 200


@bp.route("/organisations/<ods>/stakeholder", methods=["GET", "POST"])
def stakeholder(ods: str) -> ResponseReturnValue:
    """A stakeholder's category (a standard one or another name) and area (its parent)."""
    here = scope()
    org = admin_orgs.visible_org(db.session, here, ods)
    if org.type != "stakeholder":
        abort(404, f"{org.name} ({org.ods}) is not a stakeholder organisation.")
    if not here.is_admin:
        abort(403, admin_stakeholders.ADMINS_ONLY)
    category = org.category or ""
    values = {
        "category": category if category in STANDARD_CATEGORIES or not category else "other",
        "category_other": "" if category in STANDARD_CATEGORIES else category,
        "parent": org.parent.ods if org.parent else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values}
        chosen = values["category"]
        if chosen == "other" and not values["category_other"]:
            errors["category_other"] = "Enter the other category, or choose one from the list"
        elif chosen and chosen != "other" and chosen not in STANDARD_CATEGORIES:
            errors["category"] = "Choose a category from the list"
        if not errors:
            try:
                changed = admin_stakeholders.change_stakeholder(
                    db.session,
                    here,
                    org,
                    category=values["category_other"] if chosen == "other" else chosen,
                    parent_ods=values["parent"],
                )
            except admin_stakeholders.StakeholderInvalid as exc:
                db.session.rollback()
                for issue in exc.issues:
                    field = issue.pointer.lstrip("/")
                    errors["category_other" if field == "category" else field] = issue.message
            else:
                db.session.commit()
                verb = "are saved" if changed else "were already so"
                flash(f"The category and area of {org.name} {verb}.", "success")
                return redirect(url_for("admin.organisations", q=org.ods))
    return render_template(
        "admin/org_stakeholder.html",
        org=org,
        values=values,
        errors=errors,
        categories=STANDARD_CATEGORIES,
        titles=admin_stakeholders.CATEGORY_TITLES,
        areas=admin_stakeholders.area_choices(db.session),
    ), 400 if errors else 200


def _part(org: object, field: str, part: str) -> str:
    day = getattr(org, field)
    return str(getattr(day, part)) if isinstance(day, date) else ""


def _date(parts: dict[str, str]) -> date | None:
    """None when every part is empty; ValueError when the parts are not a real date."""
    if not any(parts.values()):
        return None
    return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
