"""What every studio page needs: who may use it, the draft asked for (404 when not
visible), the revision a form was made from, saving with the conflict page, and the
validator's issues as ``<pointer>: message`` lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.db import db
from miniapps.models.studio_draft import DraftSave, StudioDraft
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from miniapps.web.session_user import current_access

STUDIO_REFUSAL = (
    "The app studio is for the people who publish apps: PCN managers, platform "
    "administrators and stakeholder organisations for their own data collections."
)


def studio_access() -> Access:
    """The caller's access, or 403 for those who may not use the studio."""
    access = current_access()
    if not draft_service.may_use_studio(access):
        abort(403, STUDIO_REFUSAL)
    return access


def load_draft(draft_id: int) -> StudioDraft:
    """The draft ``draft_id`` when the caller may see it; 404 otherwise (never 403)."""
    access = studio_access()
    try:
        return draft_service.find_draft(db.session, access, draft_id)
    except draft_service.DraftNotFound:
        abort(404, "There is no such draft, or it is not shared with you.")


def form_revision() -> int:
    """The draft revision the posted form was made from (400 when missing)."""
    raw = request.form.get("revision", "")
    if not raw.isdigit():
        abort(400, "The form does not say which save of the draft it was made from.")
    return int(raw)


def save(
    draft: StudioDraft,
    definition: dict[str, Any],
    revision: int,
    summary: str,
    *,
    typed: str | None = None,
    on_conflict: Callable[[DraftSave], ResponseReturnValue] | None = None,
) -> ResponseReturnValue | None:
    """Save ``definition`` as the draft's next revision and commit; when someone saved the
    draft since ``revision``, nothing is saved and the answer is ``on_conflict`` (given
    the newer save), by default the 409 conflict page showing ``typed`` (the JSON tab's
    text) so that it is not lost."""
    try:
        draft_service.save_draft(
            db.session,
            draft,
            current_user,
            definition,
            expected_revision=revision,
            summary=summary,
        )
    except draft_service.DraftConflict as exc:
        db.session.rollback()
        if on_conflict is not None:
            return on_conflict(exc.latest)
        return conflict_page(draft, exc.latest, typed)
    except draft_service.DraftClosed as exc:
        db.session.rollback()
        return closed_page(draft, exc)
    db.session.commit()
    return None


def closed_page(draft: StudioDraft, closed: Exception) -> ResponseReturnValue:
    """The draft was published or discarded meanwhile: it takes no more saves (409)."""
    return render_template("studio/conflict.html", draft=draft, closed=str(closed)), 409


def conflict_page(draft: StudioDraft, latest: Any, typed: str | None = None) -> ResponseReturnValue:
    """Someone saved the draft since this page was loaded: say who and when."""
    page = render_template("studio/conflict.html", draft=draft, latest=latest, typed=typed)
    return page, 409


def issue_lines(definition: Any) -> list[str]:
    """The validator's problems with ``definition`` as ``<pointer>: message`` lines
    (none for a definition ``miniapps apps validate`` accepts)."""
    try:
        validate_definition(definition)
    except DefinitionInvalid as exc:
        return exc.lines()
    return []
