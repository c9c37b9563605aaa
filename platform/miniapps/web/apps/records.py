"""Record pages: list with filters, a record with its history, workflow actions, files."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.errors import DataInvalid
from miniapps.core.periods.keys import period_label
from miniapps.core.records.display import display_rows
from miniapps.core.records.history import describe_entry, step_title
from miniapps.core.workflow import Workflow
from miniapps.db import db
from miniapps.models import App, Record
from miniapps.services.app_retirement import is_readable
from miniapps.services.channels.reads import READ_ACTION, audit_read
from miniapps.services.definitions import app_definition, record_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import READ, WRITE
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.attachment_access import readable_attachment
from miniapps.services.records.attachments import (
    AttachmentStore,
    attachment_path,
    served_content_type,
)
from miniapps.services.records.audit import history
from miniapps.services.records.comments import thread as comment_thread
from miniapps.services.records.comments import waiting_comment, workflow_comment_actions
from miniapps.services.records.listing import records_page, visible_app, visible_record
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.record_channels import inbox_url, reader_rows, sent_rows
from miniapps.web.apps.record_panels import record_panels
from miniapps.web.apps.record_steps import (
    posted_step_form,
    show_step_errors,
    step_forms,
    step_values,
)
from miniapps.web.session_user import current_access


def load_app(app_id: str) -> App:
    app = visible_app(db.session, current_access(), app_id)
    if app is None:
        abort(404, f"There is no app called {app_id!r}.")
    return app


def load_listed_app(app_id: str) -> App:
    """:func:`load_app` for a list or export of its records: a 404 also to those who only
    see its figures (``permissions.dashboard``: :meth:`Access.may_list_records`)."""
    app = load_app(app_id)
    if not current_access().may_list_records(app):
        abort(404, f"There is no list of {app.title} records that you can see.")
    return app


@bp.app_template_global("may_list_records")
def may_list_records(app: App) -> bool:
    """Whether the app's menu (and the home page) links its records list."""
    return current_access().may_list_records(app)


def load_record(app: App, record_id: int) -> Record:
    record = visible_record(db.session, current_access(), record_id)
    if record is None or record.app_id != app.id:
        abort(404, "There is no such record, or you cannot see it.")
    return record


def load_app_record(app_id: str, record_id: int) -> tuple[App, Record]:
    """The app and the record of a record page (or its comments and steps), or 404.

    Found through the record (:func:`visible_record`): a stakeholder sees a record its
    organisation holds as a channel item without seeing the app's other records; anyone
    else, and any other record, is a 404 (never a 403, which would confirm it exists)."""
    record = visible_record(db.session, current_access(), record_id)
    app = db.session.get(App, app_id)
    if record is None or app is None or record.app_id != app.id or not is_readable(app):
        abort(404, "There is no such record, or you cannot see it.")
    return app, record


@bp.route("/<app_id>/")
@login_required
def records(app_id: str) -> ResponseReturnValue:
    app = load_listed_app(app_id)
    access = current_access()
    filters = {k: request.args.get(k, "").strip() for k in ("org", "period", "status")}
    try:
        within = by_ods(db.session, filters["org"]) if filters["org"] else None
    except UnknownOrganisation:
        abort(404, f"No organisation has the ODS code {filters['org']!r}.")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    size = current_app.config["PAGE_SIZE"]
    found = records_page(
        db.session,
        access,
        app,
        page=page,
        page_size=size,
        within=within,
        period=filters["period"] or None,
        status=filters["status"] or None,
        recently_updated_first=True,
    )
    definition = app_definition(db.session, app)
    return render_template(
        "apps/records.html",
        app=app,
        definition=definition,
        workflow=Workflow(definition.workflow),
        rows=found.items,
        total=found.total,
        page=page,
        pages=max((found.total + size - 1) // size, 1),
        filters=filters,
        orgs=access.orgs(db.session, READ, app),
        can_write=app.status != "retired" and bool(access.orgs(db.session, WRITE, app)),
        period_label=period_label,
    )


@bp.route("/<app_id>/records/<int:record_id>")
@login_required
def record(app_id: str, record_id: int) -> ResponseReturnValue:
    app, item = load_app_record(app_id, record_id)
    audited = audit_read(db.session, current_access(), item, "page")
    page = render_record_page(app, item)
    if audited:
        db.session.commit()
    return page


def render_record_page(app: App, item: Record, **extra: Any) -> str:
    """The record page: answers, next steps, comments and history. ``extra`` carries a
    comment form's error and input when it is shown again."""
    access = current_access()
    definition = record_definition(db.session, item)
    workflow = Workflow(definition.workflow)
    waiting = waiting_comment(db.session, item)
    actions = record_service.allowed_actions(access, db.session, item)
    forms = step_forms(definition, actions, item.data, extra.pop("step_forms", None))
    made_with = workflow_comment_actions(db.session, item)
    return render_template(
        "apps/record.html",
        app=app,
        record=item,
        definition=definition,
        workflow=workflow,
        rows=display_rows(definition.schema, item.data, definition.ui),
        history=[
            (entry, describe_entry(entry.action, entry.changes, definition.schema, workflow))
            for entry in history(db.session, item)
            if entry.action != READ_ACTION  # reads are listed apart, to managers only
        ],
        waiting=waiting[0] if waiting else None,
        waiting_title=step_title(workflow, waiting[1]) if waiting else None,
        comment_actions={cid: step_title(workflow, action) for cid, action in made_with.items()},
        comments=comment_thread(db.session, item),
        actions=actions,
        step_forms=forms,
        can_edit=workflow.is_editable(item.status) and access.can(WRITE, item.organisation, app),
        app_visible=visible_app(db.session, access, app.id) is not None,
        inbox_url=inbox_url(),
        sent_to=sent_rows(access, item, definition),
        record_readers=reader_rows(access, item),
        panels=record_panels(db.session, access, app, item, definition),
        period_label=period_label,
        **extra,
    )


@bp.route("/<app_id>/records/<int:record_id>/transition", methods=["POST"])
@login_required
def transition(app_id: str, record_id: int) -> ResponseReturnValue:
    app, item = load_app_record(app_id, record_id)
    action = request.form.get("action", "")
    comment = request.form.get("comment", "").strip() or None
    # A step that fills in fields posts them with it (its own form on the page); read
    # only when the user may take it (else the service refuses it, 403 or 409).
    definition = record_definition(db.session, item)
    allowed = record_service.allowed_actions(current_access(), db.session, item)
    step = next((t for t in allowed if t.action == action), None)
    posted, values = None, None
    if step is not None and step.fields:
        store = AttachmentStore(
            db.session, current_app.config["UPLOADS_DIR"], app.id, item.organisation, current_user
        )
        posted = posted_step_form(definition, step, request.form, request.files, item.data, store)
        if posted.repeat_action():  # "Add another" / "Remove" without JavaScript
            return render_record_page(app, item, step_forms={action: posted})
        values = step_values(posted, step)
    issues = posted.input_issues() if posted else []  # a refused upload refuses the step
    try:
        record_service.apply_transition(
            db.session,
            current_access(),
            item,
            action,
            comment=comment,
            actor=current_user,
            notify_base_url=current_app.config["BASE_URL"],
            data=values,
        )
    except DataInvalid as exc:
        issues = [*issues, *exc.issues]
    if issues:
        # Nothing changed: show the page again with an error summary naming each
        # missing comment or field, the comment the user typed and the step's answers.
        db.session.rollback()
        links = show_step_errors(posted, step, issues) if posted and step else {}
        page = render_record_page(
            app,
            item,
            transition_errors=issues,
            transition_action=action,
            transition_comment=comment or "",
            step_forms={action: posted} if posted else None,
            step_error_links=links,
        )
        return page, 400
    db.session.commit()
    workflow = Workflow(record_definition(db.session, item).workflow)
    flash(f"Record {item.id} is now {workflow.title(item.status).lower()}.", "success")
    return redirect(url_for("apps.record", app_id=app.id, record_id=item.id))


@bp.route("/<app_id>/attachments/<attachment_id>")
@login_required
def attachment(app_id: str, attachment_id: str) -> ResponseReturnValue:
    # Not load_app: a file is seen through its record (a stakeholder reads the files of
    # records it holds without seeing the app's other records); readable_attachment
    # decides by the record page's own rule.
    app = db.session.get(App, app_id)
    found = readable_attachment(db.session, current_access(), app, attachment_id) if app else None
    path = attachment_path(current_app.config["UPLOADS_DIR"], found) if found else None
    if found is None or path is None or not path.is_file():
        abort(404, "There is no such file, or you cannot see it.")
    response = send_file(
        path,
        mimetype=served_content_type(found),
        as_attachment=True,  # Content-Disposition: attachment, never shown in the page
        download_name=found.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
