"""The library's forms: a keeper adds, approves and publishes versions; a practice
manager adopts the current version (as it is or with local changes); a person reads and
signs. Each posts, calls one service, commits and goes back to the document, or shows
the page again with the problems named (nothing is stored then).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services.documents import adoption, library, pages, signing
from miniapps.services.documents.errors import DocumentInvalid
from miniapps.services.records.attachments import AttachmentStore, Upload
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.library import chosen_org, now, page_globals
from miniapps.web.apps.library_document import load_document, render_document
from miniapps.web.session_user import current_access

DATE_PARTS = ("day", "month", "year")


def posted_date(name: str) -> tuple[date | str | None, dict[str, str]]:
    """A date from ``<name>-day``, ``-month``, ``-year`` (all empty: None; not a real
    date: the text, for the service to refuse at ``/<name>``) and the parts as typed."""
    parts = {part: request.form.get(f"{name}-{part}", "").strip() for part in DATE_PARTS}
    if not any(parts.values()):
        return None, parts
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts
    except ValueError:
        return "not a date", parts


def errors_of(exc: DocumentInvalid) -> dict[str, str]:
    """Field name -> message, from the issues' pointers (``/review_due`` -> review_due)."""
    return {issue.pointer.lstrip("/") or "form": issue.message for issue in exc.issues}


def back(app: App, record: Record, org: Organisation | None = None) -> ResponseReturnValue:
    if org is None:
        return redirect(url_for("apps.library_document", app_id=app.id, record_id=record.id))
    target = url_for("apps.library_document", app_id=app.id, record_id=record.id, org=org.ods)
    return redirect(target)


@bp.post("/<app_id>/library/<int:record_id>/versions")
@login_required
def library_add_version(app_id: str, record_id: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    review_due, parts = posted_date("review_due")
    upload = request.files.get("file")
    attachment_id = None
    values: dict[str, Any] = {
        "body": request.form.get("body", ""),
        "change_summary": request.form.get("change_summary", ""),
        "review_due": parts,
    }
    try:
        if upload is not None and upload.filename:
            store = AttachmentStore(
                db.session,
                current_app.config["UPLOADS_DIR"],
                app.id,
                record.organisation,
                current_user,
            )
            library.require_keeper(current_access(), app, record)  # before storing anything
            attachment_id = store.save(cast(Upload, upload), "/documents/version")
        version = library.add_version(
            db.session,
            current_access(),
            app,
            record,
            current_user,
            body=values["body"],
            change_summary=values["change_summary"],
            review_due=review_due,
            attachment_id=attachment_id,
            now=now(),
        )
    except DocumentInvalid as exc:
        db.session.rollback()
        return render_document(app, record, errors=errors_of(exc), values=values), 400
    db.session.commit()
    flash(f"Version {version.number} saved as a draft. Someone else approves it.", "success")
    return back(app, record)


@bp.post("/<app_id>/library/<int:record_id>/versions/<int:number>/approve")
@login_required
def library_approve(app_id: str, record_id: int, number: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    library.approve_version(
        db.session, current_access(), app, record, number, current_user, now=now()
    )
    db.session.commit()
    flash(f"Version {number} approved. A keeper publishes it.", "success")
    return back(app, record)


@bp.post("/<app_id>/library/<int:record_id>/versions/<int:number>/publish")
@login_required
def library_publish(app_id: str, record_id: int, number: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    review_due, parts = posted_date("publish_review_due")
    try:
        version = library.publish_version(
            db.session,
            current_access(),
            app,
            record,
            number,
            current_user,
            now=now(),
            review_due=review_due,
            base_url=current_app.config["BASE_URL"],
        )
    except DocumentInvalid as exc:
        db.session.rollback()
        values = {"publish_review_due": parts}
        return render_document(app, record, errors=errors_of(exc), values=values), 400
    db.session.commit()
    assert version.review_due is not None
    due = f"{version.review_due.day} {version.review_due:%B %Y}"
    flash(f"Version {number} published. Its review is due on {due}.", "success")
    return back(app, record)


@bp.route("/<app_id>/library/<int:record_id>/adopt", methods=["GET", "POST"])
@login_required
def library_adopt(app_id: str, record_id: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    access = current_access()
    practice = adoption.practice_for(db.session, access, app, record, chosen_org())
    adoption.require_adopter(access, practice)
    page = pages.document_page(db.session, access, app, record, practice, now())
    document = page.state.documents[0]
    current = document.current
    central = (current.body if current else None) or ""
    values: dict[str, str] = {
        "mode": request.form.get("mode", ""),
        "local_text": request.form.get("local_text", central),
        "reason": request.form.get("reason", ""),
    }
    errors: dict[str, str] = {}
    if request.method == "POST" and current is not None:
        try:
            adoption.adopt(
                db.session,
                access,
                app,
                record,
                request.form.get("version", current.number, type=int),
                practice,
                current_user,
                mode=values["mode"],
                local_text=values["local_text"],
                reason=values["reason"],
                now=now(),
            )
        except DocumentInvalid as exc:
            db.session.rollback()
            errors = errors_of(exc)
        else:
            db.session.commit()
            how = "with your local changes" if values["mode"] == "local" else "as it is"
            flash(f"{practice.name} adopted version {current.number} {how}.", "success")
            return back(app, record, practice)
    return render_template(
        "apps/library/adopt.html",
        app=app,
        record=record,
        document=document,
        practice=practice,
        status=page.state.status(document, practice),
        values=values,
        errors=errors,
        **page_globals(),
    ), (400 if errors else 200)


@bp.post("/<app_id>/library/<int:record_id>/versions/<int:number>/sign")
@login_required
def library_sign(app_id: str, record_id: int, number: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    practice = chosen_org()
    signing.sign(
        db.session,
        current_access(),
        app,
        record,
        number,
        current_user,
        practice=practice if practice.type == "practice" else None,
        now=now(),
    )
    db.session.commit()
    flash(f"You signed version {number}: thank you for reading it.", "success")
    if request.form.get("next") == "library":
        return redirect(url_for("apps.library", app_id=app.id, org=practice.ods))
    return back(app, record, practice if practice.type == "practice" else None)
