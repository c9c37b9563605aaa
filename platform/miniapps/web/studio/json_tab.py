"""The JSON tab (``GET/POST /studio/<id>/json``): the draft's definition as JSON, saved
as typed even while the validator still has problems with it (they are listed as
``<pointer>: message`` lines and publishing is refused), and ``POST /studio/<id>/check``
answering ``{"issues": [...]}`` for the text typed so far (studio.mjs)."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.core.definitions.loading import definition_from_text
from miniapps.models.studio_draft import StudioDraft
from miniapps.services.studio import drafts as draft_service
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import form_revision, issue_lines, load_draft, save

# The largest definition the tab accepts (the API's request limit is larger; a studio
# draft this big is a mistake, not an app).
MAX_JSON_CHARS = 2_000_000


def read_json(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The definition typed, or the ``: message`` line saying why it cannot be read."""
    if len(text) > MAX_JSON_CHARS:
        return None, [f": is too long: at most {MAX_JSON_CHARS:,} characters"]
    try:
        return definition_from_text(text), []
    except ValueError as exc:
        return None, [f": {exc}"]


def pretty(definition: dict[str, Any]) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False)


@bp.route("/<int:draft_id>/json", methods=["GET", "POST"])
@login_required
def json_tab(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    if request.method == "GET":
        current = draft_service.current_definition(draft)
        return _page(draft, pretty(current), issue_lines(current), refused=False)
    revision = form_revision()
    text = request.form.get("definition", "")
    definition, unreadable = read_json(text)
    if definition is None:
        # Nothing saved; what was typed stays in the box to be put right.
        return _page(draft, text, unreadable, refused=True), 422
    conflict = save(draft, definition, revision, "Edited the JSON", typed=text)
    if conflict is not None:
        return conflict
    issues = issue_lines(definition)
    flash(
        "Saved. The draft has problems to put right before it can be published."
        if issues
        else "Saved. The definition is valid.",
        "success",
    )
    return redirect(url_for("studio.json_tab", draft_id=draft.id))


def _page(draft: StudioDraft, text: str, issues: list[str], *, refused: bool) -> str:
    return render_template(
        "studio/json.html", draft=draft, text=text, issues=issues, refused=refused, active="json"
    )


@bp.post("/<int:draft_id>/check")
@login_required
def check(draft_id: int) -> ResponseReturnValue:
    load_draft(draft_id)  # only those who may see the draft may use its checker
    definition, unreadable = read_json(request.form.get("definition", ""))
    return jsonify({"issues": unreadable if definition is None else issue_lines(definition)})
