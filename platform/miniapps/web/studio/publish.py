"""Publishing a studio draft: the changes in words, what stops it, the migration choices
for stored records with a preview of their effect, where to publish, and Publish."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.core.errors import DefinitionInvalid, IncompatibleChange, Issue
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.migration_choices import MigrationChoice, apply_choices
from miniapps.db import db
from miniapps.models import Organisation, StudioDraft
from miniapps.services import apps as app_service
from miniapps.services.organisations import targeted_organisations
from miniapps.services.permissions import PUBLISH, Access, Forbidden
from miniapps.services.studio import publishing
from miniapps.services.studio.drafts import DraftClosed, DraftConflict, current_definition
from miniapps.services.studio.publishing import PublishReview
from miniapps.web.apps.publish_targets import target_tree
from miniapps.web.studio.blueprint import bp
from miniapps.web.studio.drafts_web import (
    conflict_page,
    form_revision,
    load_draft,
    studio_access,
)
from miniapps.web.studio.publish_choices import choice_rows, chosen_from_form


@bp.route("/<int:draft_id>/publish", methods=["GET", "POST"])
@login_required
def publish(draft_id: int) -> ResponseReturnValue:
    draft = load_draft(draft_id)
    access = studio_access()
    review = publishing.publish_review(db.session, access, draft)
    targets = access.orgs(db.session, PUBLISH)
    if request.method == "GET":
        return _page(draft, review, targets, _current_targets(draft, targets))
    action = request.form.get("action", "")
    revision = form_revision()
    chosen_ods = set(request.form.getlist("to"))
    if action not in ("effect", "use"):
        return _publish(draft, access, review, targets, chosen_ods, revision)
    chosen, errors = chosen_from_form(review.suggested, request.form, current_definition(draft))
    definition = None
    if not errors:
        try:
            definition = apply_choices(
                current_definition(draft), review.latest_version or 0, chosen
            )
        except EditRefused as exc:
            errors = {0: exc.message}
    if definition is None:
        return _page(draft, review, targets, chosen_ods, choice_errors=errors), 422
    if action == "use":
        return _use_choices(draft, chosen, revision)
    effect = publishing.preview_effect(db.session, access, draft, definition)
    return _page(draft, review, targets, chosen_ods, effect=effect, previewed=True)


def _use_choices(
    draft: StudioDraft, chosen: list[MigrationChoice], revision: int
) -> ResponseReturnValue:
    """Save the choices into the draft's ``migration`` (a save that can be undone)."""
    try:
        publishing.choose_migration(
            db.session, draft, current_user, chosen, expected_revision=revision
        )
    except DraftConflict as exc:
        db.session.rollback()
        return conflict_page(draft, exc.latest)
    except DraftClosed as exc:
        db.session.rollback()
        return render_template("studio/conflict.html", draft=draft, closed=str(exc)), 409
    except publishing.NothingToMigrate as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("studio.publish", draft_id=draft.id))
    db.session.commit()
    flash("Saved how the stored records will be carried forward.", "success")
    return redirect(url_for("studio.publish", draft_id=draft.id))


def _publish(
    draft: StudioDraft,
    access: Access,
    review: PublishReview,
    targets: list[Organisation],
    chosen_ods: set[str],
    revision: int,
) -> ResponseReturnValue:
    # Nothing ticked for a new version: it stays where it is published now.
    wanted = chosen_ods or _current_targets(draft, targets)
    chosen_orgs = [o for o in targets if o.ods in wanted]
    if not review.may_publish:
        return _page(draft, review, targets, chosen_ods, refused=True), 422
    if not chosen_orgs:
        problem = Issue("/to", "Choose at least one organisation to publish to")
        return _page(draft, review, targets, chosen_ods, publish_issues=[problem]), 422
    title = draft.title
    try:
        published = publishing.publish_draft(
            db.session, access, current_user, draft, chosen_orgs, expected_revision=revision
        )
    except DraftConflict as exc:
        db.session.rollback()
        return conflict_page(draft, exc.latest)
    except DraftClosed as exc:
        db.session.rollback()
        issues = [Issue("", str(exc))]
    except (DefinitionInvalid, IncompatibleChange) as exc:
        db.session.rollback()
        issues = list(exc.issues)
    except Forbidden as exc:
        db.session.rollback()
        issues = [Issue("/to", str(exc), "forbidden")]
    else:
        db.session.commit()
        where = ", ".join(o.name for o in chosen_orgs)
        version = published.version.version
        flash(f"Published {title} version {version} to {where}.", "success")
        return redirect(url_for("apps.definition", app_id=published.app.id))
    return _page(draft, review, targets, chosen_ods, publish_issues=issues), 422


def _current_targets(draft: StudioDraft, targets: list[Organisation]) -> set[str]:
    """A new version is offered where the app is published now (that the user may reach)."""
    app = app_service.get_app(db.session, draft.app_id)
    if app is None:
        return set()
    mine = {o.ods for o in targets}
    return {o.ods for o in targeted_organisations(db.session, app) if o.ods in mine}


def _page(
    draft: StudioDraft,
    review: PublishReview,
    targets: list[Organisation],
    chosen_ods: set[str],
    **extra: Any,
) -> str:
    posted = request.form if request.method == "POST" else None
    return render_template(
        "studio/publish.html",
        draft=draft,
        review=review,
        target_tree=target_tree(targets),
        chosen=chosen_ods,
        rows=choice_rows(review.suggested, posted),
        effect=extra.pop("effect", review.effect),
        choice_errors=extra.pop("choice_errors", {}),
        publish_issues=extra.pop("publish_issues", []),
        refused=extra.pop("refused", False),
        previewed=extra.pop("previewed", False),
    )
