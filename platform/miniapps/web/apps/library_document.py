"""One document of a library: ``/apps/<app_id>/library/<record_id>`` from the keeper's
side (its details, version history, the add, approve and publish forms, each practice's
adoption and coverage) or, with ``?org=`` a practice, from that practice's side (the
current central text, the practice's adoption and its differences, the adopt link and
the sign button). A version page shows any version read-only (superseded ones too).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.documents.differences import difference
from miniapps.db import db
from miniapps.models import App, Attachment, DocumentVersion, Organisation, Record
from miniapps.services.documents import pages
from miniapps.services.documents.adoption import adoptions_of
from miniapps.services.documents.errors import DocumentNotFound
from miniapps.services.documents.library import get_version
from miniapps.services.documents.scope import (
    find_document,
    may_adopt,
    may_approve,
    may_keep,
    sign_roles_held,
)
from miniapps.services.records.attachments import attachment_path
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.library import chosen_org, now, page_globals
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access


def load_document(app_id: str, record_id: int) -> tuple[App, Record]:
    app = load_app(app_id)
    return app, find_document(db.session, current_access(), app, record_id)


def practice_asked() -> Organisation | None:
    """The practice whose side is asked for: ``?org=`` when it is a practice, else the
    organisation the user acts for when it is one (None: the keeper's side)."""
    org = chosen_org()
    return org if org.type == "practice" else None


def render_document(app: App, record: Record, **extra: Any) -> str:
    """The document page from the side asked for; ``extra`` carries a form's errors."""
    access = current_access()
    practice = practice_asked()
    page = pages.document_page(db.session, access, app, record, practice, now())
    state = page.state
    document = state.documents[0]
    if page.side == "keeper":
        return render_template(
            "apps/library/document_keeper.html",
            app=app,
            record=record,
            state=state,
            document=document,
            may_keep=may_keep(access, app, record),
            may_approve=may_approve(access, app, record),
            me=current_user,
            errors=extra.pop("errors", {}),
            values=extra.pop("values", {}),
            **page_globals(),
            **extra,
        )
    practice = page.org  # the practice's side
    status = state.status(document, practice)
    adoption = status.adoption
    adopted = next((v for v in document.versions if adoption and v.id == adoption.version_id), None)
    to_sign = state.to_sign(document, practice)
    signs_here = bool(sign_roles_held(current_user, practice, document.facts.sign_roles))
    return render_template(
        "apps/library/document_practice.html",
        app=app,
        record=record,
        state=state,
        document=document,
        practice=practice,
        status=status,
        adopted_version=adopted,
        difference=_difference(adopted, adoption),
        history=adoptions_of(db.session, record, practice),
        may_adopt=may_adopt(access, practice),
        may_see_coverage=pages.may_see_coverage(access, practice),
        to_sign=to_sign if signs_here else None,
        my_signature=state.signature(current_user, to_sign),
        coverage=state.coverage(document, practice),
        errors=extra.pop("errors", {}),
        **page_globals(),
        **extra,
    )


def _difference(version: DocumentVersion | None, adoption: Any) -> Any:
    if version is None or adoption is None or adoption.mode != "local":
        return None
    return difference(version.body, adoption.local_text)


@bp.route("/<app_id>/library/<int:record_id>")
@login_required
def library_document(app_id: str, record_id: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    return render_document(app, record)


@bp.route("/<app_id>/library/<int:record_id>/versions/<int:number>")
@login_required
def library_version(app_id: str, record_id: int, number: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    practice = practice_asked()
    page = pages.document_page(db.session, current_access(), app, record, practice, now())
    version = _visible_version(page, record, number)
    adoption = None
    if practice is not None:
        adoption = next(
            (a for a in adoptions_of(db.session, record, practice) if a.version_id == version.id),
            None,
        )
    return render_template(
        "apps/library/version.html",
        app=app,
        record=record,
        document=page.state.documents[0],
        version=version,
        practice=practice,
        adoption=adoption,
        difference=_difference(version, adoption),
        **page_globals(),
    )


@bp.route("/<app_id>/library/<int:record_id>/versions/<int:number>/file")
@login_required
def library_file(app_id: str, record_id: int, number: int) -> ResponseReturnValue:
    app, record = load_document(app_id, record_id)
    page = pages.document_page(db.session, current_access(), app, record, practice_asked(), now())
    version = _visible_version(page, record, number)
    found = db.session.get(Attachment, version.attachment_id) if version.attachment_id else None
    if found is None:
        abort(404, f"Version {number} has no file.")
    return send_file(
        attachment_path(current_app.config["UPLOADS_DIR"], found),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )


def _visible_version(page: pages.LibraryPage, record: Record, number: int) -> DocumentVersion:
    """The version asked for: drafts and approved versions only to the keeper's side."""
    try:
        version = get_version(db.session, record, number)
    except DocumentNotFound:
        abort(404, f"Document {record.id} has no version {number}.")
    unpublished = version.status in ("draft", "approved") or (
        version.status == "superseded" and version.published_at is None
    )
    if page.side == "practice" and unpublished:
        abort(404, f"Document {record.id} has no version {number} that you can see.")
    return version
