"""Filling in a record: new and edit, draft or submit, with the NHS.UK error pattern."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.forms import CompiledForm, bind_form, compile_form
from miniapps.core.forms.form_parts import compile_form_without
from miniapps.core.periods.keys import period_label, recent_periods
from miniapps.core.records.step_values import step_fields
from miniapps.core.workflow import Workflow
from miniapps.db import db
from miniapps.models import App, Organisation, Record
from miniapps.services.app_retirement import refuse_if_retired
from miniapps.services.definitions import app_definition, record_definition
from miniapps.services.organisations import writable_orgs
from miniapps.services.permissions import WRITE
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.attachments import AttachmentStore
from miniapps.services.records.lifecycle import NotEditable
from miniapps.services.records.listing import previous_period_data
from miniapps.services.records.lookups import field_lookups
from miniapps.services.records.new_record_lookup import app_with_writable_orgs
from miniapps.services.records.periods import PeriodTaken, period_holder
from miniapps.services.records.steps import StaleRecord
from miniapps.services.returns.due_period import due_period
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app, load_record
from miniapps.web.session_user import current_access, current_org


@bp.route("/<app_id>/new", methods=["GET", "POST"])
@login_required
def new_record(app_id: str) -> ResponseReturnValue:
    # The app with where the user may fill it in, in one statement when there is somewhere.
    place = app_with_writable_orgs(db.session, current_access(), app_id)
    app, orgs = place if place is not None else _app_and_orgs(app_id)
    if not orgs:
        abort(403, f"You may not add {app.title} records.")
    refuse_if_retired(app)
    # After the permission check, which loads the app's versions: no statement of its own.
    definition = app_definition(db.session, app)
    frequency = (definition.period or {}).get("frequency", "none")
    periods = recent_periods(date.today(), frequency, 12) if frequency != "none" else []
    chosen_org = _chosen_org(orgs)
    chosen_period = request.values.get("period") or _default_period(app, chosen_org, periods)
    # One record per organisation and period: open the one there is instead.
    held = period_holder(db.session, app, chosen_org, chosen_period)
    if held is not None:
        return _open_existing(app, held.id)
    if chosen_period:  # yearly indicator apps: the form lists that period's indicators
        definition = app_definition(db.session, app, chosen_period)
    compiled = provider_form(definition)
    if request.method == "GET":
        return _render(
            app, definition, bind_form(compiled), orgs, chosen_org, periods, chosen_period
        )
    store = AttachmentStore(
        db.session, current_app.config["UPLOADS_DIR"], app.id, chosen_org, current_user
    )
    bound = bind_form(compiled, formdata=request.form, files=request.files, file_store=store)
    if bound.repeat_action():
        return _render(app, definition, bound, orgs, chosen_org, periods, chosen_period)
    submit = "submit" in request.form
    try:
        item = record_service.create_record(
            db.session,
            current_access(),
            app,
            chosen_org,
            bound.to_json(drop_hidden=False),
            period=chosen_period,
            submit=submit,
            actor=current_user,
            notify_base_url=current_app.config["BASE_URL"],
            input_issues=bound.input_issues(),
            targeted=True,  # chosen among writable_orgs: those the app is published to
        )
    except DataInvalid as exc:
        issues = exc.issues
    except PeriodTaken as exc:  # another request took the period since the check above
        db.session.rollback()
        return _open_existing(app, exc.record_id)
    else:
        db.session.commit()
        flash(_saved_message(item, submit), "success")
        return redirect(url_for("apps.record", app_id=app.id, record_id=item.id))
    db.session.rollback()
    bound.attach_errors(issues)
    page = _render(app, definition, bound, orgs, chosen_org, periods, chosen_period)
    return page, 400


def _app_and_orgs(app_id: str) -> tuple[App, list[Organisation]]:
    """The app (or 404) and where the user may fill it in, asked one after the other."""
    app = load_app(app_id)
    return app, writable_orgs(db.session, current_access(), app)


def _open_existing(app: App, record_id: int) -> ResponseReturnValue:
    """Go to the record that already holds the period, saying so: its edit page while the
    user may still change it, else the record page."""
    item = load_record(app, record_id)
    workflow = Workflow(record_definition(db.session, item).workflow)
    editable = workflow.is_editable(item.status) and current_access().can(
        WRITE, item.organisation, app
    )
    held = (
        f"{item.organisation.name} already has a record for {period_label(item.period)} "
        f"(record {item.id}), so it is opened here instead of starting another."
    )
    if not editable:
        held += f" It is {workflow.title(item.status).lower()} and can no longer be changed."
    flash(held, "info")
    target = "apps.edit_record" if editable else "apps.record"
    return redirect(url_for(target, app_id=app.id, record_id=item.id))


@bp.route("/<app_id>/records/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit_record(app_id: str, record_id: int) -> ResponseReturnValue:
    app = load_app(app_id)
    item = load_record(app, record_id)
    definition = record_definition(db.session, item)
    compiled = provider_form(definition)
    # Past the initial state (an editable state such as "investigating") there is no
    # draft any more: every save is validated fully and "Submit" is "Save changes".
    submitted = item.status != Workflow(definition.workflow).initial
    # Before anything of the post is read: a refused edit stores no file.
    current_access().require(WRITE, item.organisation, app)
    if request.method == "GET":
        return _render(
            app,
            definition,
            bind_form(compiled, data=item.data),
            record=item,
            version=item.version,
            submitted=submitted,
        )
    store = AttachmentStore(
        db.session, current_app.config["UPLOADS_DIR"], app.id, item.organisation, current_user
    )
    bound = bind_form(
        compiled, formdata=request.form, files=request.files, data=item.data, file_store=store
    )
    version = request.form.get("version", type=int) or 0
    if bound.repeat_action():
        return _render(app, definition, bound, record=item, version=version, submitted=submitted)
    submit = "submit" in request.form or submitted
    issues: list[Issue] = []
    conflict = None
    try:
        record_service.update_record(
            db.session,
            current_access(),
            item,
            bound.to_json(drop_hidden=False),
            expected_version=version,
            actor=current_user,
            notify_base_url=current_app.config["BASE_URL"],
            submit=submit,
            input_issues=bound.input_issues(),
        )
    except DataInvalid as exc:
        issues = exc.issues
    except (StaleRecord, NotEditable) as exc:
        conflict = str(exc)
    else:
        db.session.commit()
        message = f"Record {item.id} saved." if submitted else _saved_message(item, submit)
        flash(message, "success")
        return redirect(url_for("apps.record", app_id=app.id, record_id=item.id))
    db.session.rollback()
    bound.attach_errors(issues)
    status = 409 if conflict else 400
    page = _render(
        app,
        definition,
        bound,
        record=item,
        version=version,
        conflict=conflict,
        submitted=submitted,
    )
    return page, status


def provider_form(definition: AppDefinition) -> CompiledForm:
    """The record's form, without the fields workflow steps fill in (nobody edits them
    here; the service keeps their stored values when the form is saved)."""
    keys = step_fields(Workflow(definition.workflow))
    if not keys:
        return compile_form(definition.schema, definition.ui)
    return compile_form_without(definition.schema, definition.ui, keys)


def _chosen_org(orgs: list[Organisation]) -> Organisation:
    wanted = request.values.get("org")
    by_ods = {o.ods: o for o in orgs}
    if wanted:
        if wanted not in by_ods:
            abort(403, f"You may not add records for {wanted}.")
        return by_ods[wanted]
    here = current_org()
    return by_ods.get(here.ods, orgs[0]) if here else orgs[0]


def _default_period(app: App, org: Organisation, periods: list[str]) -> str | None:
    """The period that is due (the newest finished one ``org`` has not returned), else the
    current one."""
    due = due_period(db.session, app, org, periods, date.today())
    return due or (periods[0] if periods else None)


@bp.app_template_global("may_add_records")
def may_add_records(app: App) -> bool:
    """Whether the signed-in user may fill ``app`` in somewhere: the same check
    :func:`new_record` makes, so "New record" is offered only to those it would admit."""
    return app.status != "retired" and bool(writable_orgs(db.session, current_access(), app))


def _saved_message(item: Record, submit: bool) -> str:
    return f"Record {item.id} {'submitted' if submit else 'saved as a draft'}."


def _render(
    app: App,
    definition: AppDefinition,
    bound: Any,
    orgs: list[Organisation] | None = None,
    chosen_org: Organisation | None = None,
    periods: list[str] | None = None,
    chosen_period: str | None = None,
    **extra: Any,
) -> str:
    record = extra.get("record")
    org, period = (record.organisation, record.period) if record else (chosen_org, chosen_period)
    if definition.ui.get("show_previous") and org is not None and period:
        bound.previous = previous_period_data(db.session, current_access(), app, org, period)
    bound.lookups = field_lookups(db.session, current_access(), definition, org)
    return render_template(
        "apps/record_form.html",
        app=app,
        definition=definition,
        bound=bound,
        orgs=orgs or [],
        chosen_org=chosen_org,
        periods=periods or [],
        chosen_period=chosen_period,
        period_label=period_label,
        **extra,
    )
