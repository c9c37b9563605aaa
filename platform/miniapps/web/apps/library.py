"""The document library pages of an app with a ``documents`` member (the Library tab).

``/apps/<app_id>/library?org=ODS`` (default: the organisation the user acts for): at a
PCN or ICB, the documents kept there and beneath it, with their current version, review
date (overdue flagged), adoption count and read-and-sign coverage; at a practice, the
documents that apply to it with the practice's adoption status, and what the user must
still read and sign. ``/library/coverage`` is a practice's people by documents;
``/library/people/<id>`` one person's documents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.db import db
from miniapps.models import Organisation, User
from miniapps.services.documents import pages
from miniapps.services.documents.scope import may_adopt, may_keep
from miniapps.services.documents.state import ADOPTION_TITLES
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.record_form import may_add_records
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

ADOPTION_TAGS = {
    "not_adopted": "nhsuk-tag--grey",
    "adopted": "nhsuk-tag--green",
    "adopted_local": "nhsuk-tag--blue",
    "readopt": "nhsuk-tag--yellow",
    "readopt_overdue": "nhsuk-tag--red",
}


def now() -> datetime:
    return datetime.now(UTC)


def chosen_org(value: str | None = None) -> Organisation:
    """``?org=ODS`` (or ``value``), else the organisation the user acts for."""
    ods = (value if value is not None else request.values.get("org", "")).strip()
    if ods:
        try:
            return by_ods(db.session, ods)
        except UnknownOrganisation:
            abort(404, f"No organisation has the ODS code {ods!r}.")
    org = current_org()
    if org is None:
        abort(403, "You are not a member of any organisation.")
    return org


def page_globals() -> dict[str, object]:
    """What every library template uses besides its page."""
    return {"adoption_titles": ADOPTION_TITLES, "adoption_tags": ADOPTION_TAGS, "now": now()}


@bp.route("/<app_id>/library")
@login_required
def library(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    access = current_access()
    page = pages.library_page(db.session, access, app, chosen_org(), now())
    if page.side == "keeper":
        return render_template(
            "apps/library/keeper.html",
            app=app,
            page=page,
            state=page.state,
            may_add=may_add_records(app),
            **page_globals(),
        )
    practice = page.org
    return render_template(
        "apps/library/practice.html",
        app=app,
        page=page,
        state=page.state,
        practice=practice,
        me=current_user,
        outstanding=page.state.outstanding(current_user, practice),
        may_adopt=may_adopt(access, practice),
        may_see_coverage=pages.may_see_coverage(access, practice),
        keeps={d.record.id for d in page.state.documents if may_keep(access, app, d.record)},
        **page_globals(),
    )


@bp.route("/<app_id>/library/coverage")
@login_required
def library_coverage(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    page = pages.coverage_page(db.session, current_access(), app, chosen_org(), now())
    practice = page.org
    state = page.state
    documents = [d for d in state.documents if state.applies(d, practice)]
    return render_template(
        "apps/library/coverage.html",
        app=app,
        practice=practice,
        state=state,
        documents=documents,
        people=[user for user, _roles in state.people.get(practice.id, [])],
        **page_globals(),
    )


@bp.route("/<app_id>/library/people/<int:user_id>")
@login_required
def library_person(app_id: str, user_id: int) -> ResponseReturnValue:
    app = load_app(app_id)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404, "There is nobody here that you can see.")
    page = pages.person_page(db.session, current_access(), app, chosen_org(), person, now())
    practice, state = page.org, page.state
    rows = [
        (document, state.to_sign(document, practice), state.status(document, practice))
        for document in state.documents
        if state.applies(document, practice) and person in state.signers(document, practice)
    ]
    return render_template(
        "apps/library/person.html",
        app=app,
        practice=practice,
        person=person,
        state=state,
        rows=rows,
        **page_globals(),
    )
