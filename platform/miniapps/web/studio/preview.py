"""The studio's live preview: a draft's form exactly as practices see it, and a test
submission checked by the one record check that stores nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.forms import bind_form
from miniapps.core.records.check import check_record
from miniapps.core.records.display import display_rows
from miniapps.db import db
from miniapps.models import StudioDraft
from miniapps.services.records.lookups import field_lookups
from miniapps.services.studio.drafts import current_definition
from miniapps.web.apps.record_form import provider_form
from miniapps.web.session_user import current_access
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import load_draft


class PreviewFiles:
    """A file store that keeps nothing: the preview says which file would be kept."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def save(self, file_storage: Any, field_pointer: str) -> str:
        reference = str(uuid.uuid4())
        self.names[reference] = str(getattr(file_storage, "filename", "") or "upload")
        return reference


def checked_definition(draft: StudioDraft) -> tuple[AppDefinition | None, list[Issue]]:
    """The draft's definition as the validator reads it, or its ``<pointer>: message``
    issues (a draft may be invalid while it is being edited)."""
    try:
        return validate_definition(current_definition(draft), source="draft"), []
    except DefinitionInvalid as exc:
        return None, exc.issues


@bp.route("/<int:draft_id>/preview", methods=["GET", "POST"])
@login_required
def preview(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    definition, problems = checked_definition(draft)
    if definition is None:
        return render_template("studio/preview.html", draft=draft, problems=problems), 422
    compiled = provider_form(definition)
    if request.method == "GET":
        return _render(draft, definition, bind_form(compiled))
    files = PreviewFiles()
    bound = bind_form(compiled, formdata=request.form, files=request.files, file_store=files)
    if bound.repeat_action():  # "Add another" / "Remove" without JavaScript
        return _render(draft, definition, bound)
    issues = bound.validate_data(submit=True, rules=definition)
    if issues:
        bound.attach_errors(issues)
        return _render(draft, definition, bound), 400
    # The verdict the record service would store, computed and shown; nothing is written.
    stored = check_record(definition, bound.to_json(drop_hidden=False), submit=True).data
    return _render(draft, definition, bound, stored=stored, files=files.names)


def _render(
    draft: StudioDraft,
    definition: AppDefinition,
    bound: Any,
    stored: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
) -> str:
    bound.lookups = field_lookups(db.session, current_access(), definition, None)
    return render_template(
        "studio/preview.html",
        draft=draft,
        definition=definition,
        bound=bound,
        stored=stored,
        stored_json=json.dumps(stored, indent=2, ensure_ascii=False) if stored else "",
        rows=display_rows(definition.schema, stored, definition.ui) if stored else [],
        files=files or {},
        problems=[],
    )
