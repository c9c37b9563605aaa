"""A draft's history (``GET /studio/<id>/history``): every save, newest first, with who
saved it, when, and what changed in words; going back to any save (``POST
/studio/<id>/restore``: ``to`` the save, ``revision`` the save the page showed)."""

from __future__ import annotations

from itertools import pairwise

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.studio.change_words import describe_changes
from miniapps.db import db
from miniapps.services.studio import drafts as draft_service
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import closed_page, conflict_page, form_revision, load_draft

# Changes in words are worked out for this many saves; older ones show their summary.
DESCRIBED_SAVES = 50


@bp.route("/<int:draft_id>/history")
@login_required
def history(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    saves = draft_service.draft_history(db.session, draft)
    changes: dict[int, list[str]] = {}
    for newer, older in pairwise(saves[: DESCRIBED_SAVES + 1]):
        try:
            changes[newer.revision] = describe_changes(older.definition, newer.definition)
        except (KeyError, TypeError, ValueError, AttributeError):  # half-written JSON saves
            changes[newer.revision] = []
    return render_template(
        "studio/history.html", draft=draft, saves=saves, changes=changes, active="history"
    )


@bp.post("/<int:draft_id>/restore")
@login_required
def restore(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    revision = form_revision()
    wanted = request.form.get("to", "")
    if not wanted.isdigit():
        abort(400, "The form does not say which save to go back to.")
    try:
        draft_service.restore_save(
            db.session, draft, current_user, int(wanted), expected_revision=revision
        )
    except draft_service.DraftNotFound:
        abort(404, f"This draft has no save {wanted}.")
    except draft_service.DraftConflict as exc:
        db.session.rollback()
        return conflict_page(draft, exc.latest)
    except draft_service.DraftClosed as exc:
        db.session.rollback()
        return closed_page(draft, exc)
    db.session.commit()
    flash(f"Went back to save {wanted}. The saves after it are still in the history.", "success")
    return redirect(url_for("studio.editor", draft_id=draft.id))
