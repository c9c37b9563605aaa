"""The editor page (``GET /studio/<id>``) and the one dispatcher every editing form
posts to (``POST /studio/<id>/edit``: hidden ``op`` + ``revision`` + arguments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.studio.editing_period import OWED_BY_WORDS, PERIOD_FREQUENCIES
from miniapps.core.studio.editing_widgets import WIDGET_MENU
from miniapps.core.studio.editing_workflow import (
    WORKFLOW_PATTERNS,
    channel_types_of,
    workflow_pattern_of,
)
from miniapps.core.studio.field_kinds import FIELD_KINDS
from miniapps.db import db
from miniapps.models.studio_draft import StudioDraft
from miniapps.services.studio import drafts as draft_service
from miniapps.web.studio import tree
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import form_revision, issue_lines, load_draft, save
from miniapps.web.studio.editor_settings import widget_options
from miniapps.web.studio.field_page import field_page
from miniapps.web.studio.ops import OPS, EditRefused

T = TypeVar("T")

STAKEHOLDER_TYPES = (
    ("la_adult_safeguarding", "Local authority adult safeguarding"),
    ("la_children_safeguarding", "Local authority children's safeguarding"),
    ("icb_quality", "ICB quality team"),
    ("icb_safeguarding", "ICB safeguarding team"),
)


@bp.route("/<int:draft_id>")
@login_required
def editor(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    return editor_page(draft, draft_service.current_definition(draft))


def editor_page(
    draft: StudioDraft,
    definition: dict[str, Any],
    refusal: EditRefused | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rows = tree.field_rows(definition)
    ui = definition.get("ui") if isinstance(definition.get("ui"), dict) else {}
    dashboard = definition.get("dashboard")
    widgets = dashboard.get("widgets") if isinstance(dashboard, dict) else None
    period = definition.get("period")
    return render_template(
        "studio/editor.html",
        draft=draft,
        definition=definition,
        issues=issue_lines(definition),
        last_save=draft_service.latest_save(db.session, draft),
        rows=rows,
        containers=[(r.pointer, r.label) for r in rows if r.kind in tree.CONTAINER_KINDS],
        kinds=FIELD_KINDS,
        sections=[s for s in (ui or {}).get("sections") or [] if isinstance(s, dict)],
        period=period if isinstance(period, dict) else {},
        frequencies=PERIOD_FREQUENCIES.items(),
        owed_by_types=OWED_BY_WORDS.items(),
        workflow_patterns=WORKFLOW_PATTERNS,
        workflow_pattern=_safely(workflow_pattern_of, definition, "custom"),
        stakeholder_types=STAKEHOLDER_TYPES,
        channel_types=_safely(channel_types_of, definition, list[str]()),
        widgets=[w for w in widgets or [] if isinstance(w, dict)],
        widget_menu=WIDGET_MENU,
        widget_options=widget_options(definition),
        refusal=refusal,
        refused_form=request.form.get("form_id", "") if refusal else "",
        posted=request.form if refusal else {},
    ), status


def _safely(read: Callable[[dict[str, Any]], T], definition: dict[str, Any], default: T) -> T:
    """What ``read`` finds in a draft that may be half-written in the JSON tab."""
    try:
        return read(definition)
    except (TypeError, AttributeError, KeyError, ValueError):
        return default


@bp.post("/<int:draft_id>/edit")
@login_required
def edit(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    revision = form_revision()
    handler = OPS.get(request.form.get("op", ""))
    if handler is None:
        abort(400, "The form asks for an edit the studio does not know.")
    current = draft_service.current_definition(draft)
    try:
        done = handler(current, request.form)
    except EditRefused as exc:
        return refused_page(draft, current, exc)
    conflict = save(draft, done.definition, revision, done.summary)
    if conflict is not None:
        return conflict
    flash(done.summary, "success")
    if done.field is not None:
        return redirect(url_for("studio.field", draft_id=draft.id, pointer=done.field))
    target = url_for("studio.editor", draft_id=draft.id)
    return redirect(target + (f"#{done.anchor}" if done.anchor else ""))


def refused_page(
    draft: StudioDraft, definition: dict[str, Any], refusal: EditRefused
) -> ResponseReturnValue:
    """The page the refused form was on, with the message at that form (422)."""
    if request.form.get("back") == "field":
        return field_page(draft, definition, request.form.get("back_pointer", ""), refusal, 422)
    return editor_page(draft, definition, refusal, 422)
