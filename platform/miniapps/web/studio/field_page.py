"""The field page, ``GET/POST /studio/<id>/field?pointer=...``: label, hint, required,
bounds and pattern (posted here), and the forms posting to the edit dispatcher for the
options, the section and the condition, written as a sentence."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.studio import editing
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.field_kinds import FIELD_KINDS, field_ui, property_at
from miniapps.models.studio_draft import DraftSave, StudioDraft
from miniapps.services.studio import drafts as draft_service
from miniapps.web.studio import tree
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import conflict_page, form_revision, load_draft, save
from miniapps.web.studio.editor_fields import options_of
from miniapps.web.studio.field_kind_forms import kind_choices, published_of, rename_from_form
from miniapps.web.studio.field_settings import (
    SETTING_LABELS,
    WIDGET_CHOICES,
    settings_of,
    update_settings,
)


@bp.route("/<int:draft_id>/field", methods=["GET", "POST"])
@login_required
def field(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    definition = draft_service.current_definition(draft)
    pointer = request.values.get("pointer", "")
    if request.method == "GET":
        return field_page(draft, definition, pointer)
    revision = form_revision()
    renaming = request.form.get("form_id") == "rename"
    try:
        if renaming:
            done = rename_from_form(definition, request.form, published_of(draft))
        else:
            done = update_settings(definition, request.form)
    except EditRefused as exc:
        return field_page(draft, definition, pointer, exc, 422)
    if renaming:
        conflict = save(draft, done.definition, revision, done.summary)
    else:
        conflict = save_settings(draft, done.definition, revision, done.summary, pointer)
    if conflict is not None:
        return conflict
    flash(done.summary, "success")
    return redirect(url_for("studio.field", draft_id=draft.id, pointer=done.field or pointer))


def save_settings(
    draft: StudioDraft, definition: dict[str, Any], revision: int, summary: str, pointer: str
) -> ResponseReturnValue | None:
    """Save the settings form; on a conflict, the field page again (409) with what the
    user typed still in the form, beside the values of the newer save."""

    def again(latest: DraftSave) -> ResponseReturnValue:
        newer = latest.definition if isinstance(latest.definition, dict) else {}
        if tree.find_row(newer, pointer) is None:  # deleted or renamed meanwhile
            return conflict_page(draft, latest)
        return field_page(draft, newer, pointer, conflict=latest, status=409)

    return save(draft, definition, revision, summary, on_conflict=again)


def _conditions(definition: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The condition's current parts and the questions (with answers) it may use."""
    try:
        current = editing.condition_of(definition, pointer)
        questions = editing.condition_questions(definition, pointer)
    except (KeyError, TypeError, ValueError):  # a half-written JSON draft
        current, questions = None, []
    return {
        "condition": current,
        "sentence": editing.condition_sentence(definition, pointer),
        "questions": [
            {
                "pointer": q_pointer,
                "label": label,
                "answers": [(json.dumps([q_pointer, value]), words) for value, words in answers],
            }
            for q_pointer, label, answers in questions
        ],
        "chosen_answer": json.dumps([current.question, current.answer]) if current else "",
    }


def _conflict_refusal(pointer: str, latest: Any) -> EditRefused:
    who = latest.saved_by.name if latest.saved_by else "Someone"
    when = latest.saved_at.strftime("%H:%M on %d %B %Y")
    return EditRefused(
        pointer,
        f"{who} saved the draft at {when} (save {latest.revision}: {latest.summary}) after "
        "you opened this page, so your settings were not saved. What you typed is still "
        "below, beside the newer save's values: save again to keep yours",
    )


def field_page(
    draft: StudioDraft,
    definition: dict[str, Any],
    pointer: str,
    refusal: EditRefused | None = None,
    status: int = 200,
    *,
    conflict: Any = None,
) -> ResponseReturnValue:
    row = tree.find_row(definition, pointer)
    if row is None:
        abort(404, "There is no such question in this draft.")
    schema = property_at(definition, pointer) or {}
    ui = definition.get("ui")
    sections = (ui.get("sections") or []) if isinstance(ui, dict) else []
    return render_template(
        "studio/field.html",
        draft=draft,
        row=row,
        kind=FIELD_KINDS.get(row.kind or ""),
        schema=schema,
        field_ui=field_ui(definition, pointer),
        settings=settings_of(row.kind),
        setting_labels=SETTING_LABELS,
        widget_choices=WIDGET_CHOICES.get(row.kind or "", ()),
        options=options_of(definition, pointer)
        if row.kind in ("one_choice", "several_choices")
        else [],
        sections=[s for s in sections if isinstance(s, dict)],
        top_level=row.depth == 0,
        refusal=refusal or (_conflict_refusal(pointer, conflict) if conflict else None),
        refused_form=request.form.get("form_id", "settings") if refusal or conflict else "",
        posted=request.form if refusal or conflict else {},
        conflict=conflict,
        kind_choices=kind_choices(row.kind),
        stored_name=row.key,
        published_version=draft.based_on_version,
        **_conditions(definition, pointer),
    ), status
