"""The compliance view of a framework's home app: ``/apps/<app_id>/compliance?org=ODS``.

For one practice: per key question, how many statements hold evidence of the last 12
months, each statement's evidence count, latest date, status and gaps, and the evidence
itself. Only for apps whose latest definition declares ``compliance`` (else 404), and
only for practices whose records of that app the user may read
(:mod:`miniapps.services.compliance.viewing`).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from miniapps.db import db
from miniapps.models import Organisation
from miniapps.services.compliance.assessment import UnknownFramework, assess, category_titles
from miniapps.services.compliance.viewing import (
    assessable_practices,
    home_framework,
    openable_items,
)
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

STATUS_TAGS = {
    "evidenced": ("Evidenced", "nhsuk-tag--green"),
    "gaps": ("Gaps", "nhsuk-tag--orange"),
    "no_evidence": ("No evidence", "nhsuk-tag--grey"),
}
HEATMAP = "apps.compliance_heatmap"
PACK = "apps.compliance_pack"


@bp.route("/<app_id>/compliance")
@login_required
def compliance(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    framework = home_framework(db.session, app)
    if framework is None:
        abort(404, f"{app.title} has no compliance view.")
    access = current_access()
    practices = assessable_practices(db.session, access, app)
    if not practices:
        abort(404, f"There is no practice whose {app.title} compliance you can see.")
    org = _chosen(practices)
    if org is None and HEATMAP in current_app.view_functions:
        return redirect(url_for(HEATMAP, app_id=app.id))
    assessment, openable, categories = None, {}, {}
    if org is not None:
        try:
            assessment = assess(db.session, org, framework)
        except UnknownFramework:
            abort(404, f"The {framework} framework is not loaded yet: ask an administrator.")
        categories = category_titles(db.session, framework, assessment.version)
        openable = {
            statement.id: openable_items(db.session, access, org, statement.items)
            for question in assessment.key_questions
            for statement in question.statements
        }
    return render_template(
        "apps/compliance.html",
        app=app,
        org=org,
        practices=practices,
        assessment=assessment,
        openable=openable,
        categories=categories,
        status_tags=STATUS_TAGS,
        pack_endpoint=PACK if PACK in current_app.view_functions else None,
    )


def _chosen(practices: list[Organisation]) -> Organisation | None:
    """The practice asked for (404 when it is not one the user may see), else the user's
    own practice; None for someone acting above practices who named none."""
    ods = request.args.get("org", "").strip().upper()
    if ods:
        found = next((org for org in practices if org.ods == ods), None)
        if found is None:
            abort(404, f"There is no practice {ods} whose compliance you can see.")
        return found
    own = current_org()
    if own is not None and own in practices:
        return own
    return practices[0] if len(practices) == 1 else None
