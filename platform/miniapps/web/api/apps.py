"""``/apps``: list visible apps, publish a definition, read the latest definition.

An unknown ODS code in ``?to=`` is a 422 with the pointer ``/to``: it is input to a
write, like a member of the body, not a resource being looked up.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from miniapps.core.errors import Issue
from miniapps.db import db
from miniapps.models import Organisation
from miniapps.services.apps import publish_raw
from miniapps.services.definitions import latest_version
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import PUBLISH, Forbidden
from miniapps.services.records.listing import apps_page
from miniapps.web.api.answers import app_summary, page_answer
from miniapps.web.api.auth import api_access, api_user
from miniapps.web.api.blueprint import bp
from miniapps.web.api.errors import NotFound
from miniapps.web.api.lookups import app_or_404
from miniapps.web.api.parsing import (
    RequestInvalid,
    allow_params,
    json_object,
    list_param,
    page_param,
    page_size,
)


@bp.get("/apps")
def list_apps() -> ResponseReturnValue:
    allow_params(["page"])
    page = apps_page(db.session, api_access(), page_param(), page_size())
    return jsonify(page_answer(page, [app_summary(a) for a in page.items]))


@bp.post("/apps")
def publish_app() -> ResponseReturnValue:
    allow_params(["to"])
    access = api_access()
    # Authorisation first: someone who may not publish learns nothing about their definition.
    if not access.orgs(db.session, PUBLISH):
        raise Forbidden(access.publish_refusal())
    targets = _targets(list_param("to"))
    for org in targets or []:
        if not access.can(PUBLISH, org):
            raise Forbidden(access.publish_refusal(org))
    raw = json_object()
    published = publish_raw(db.session, raw, targets=targets, actor=api_user(), access=access)
    db.session.commit()
    body: dict[str, Any] = {
        "id": published.app.id,
        "version": published.version.version,
        "created": published.created,
    }
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_app", app_id=published.app.id)
    return response


def _targets(codes: list[str] | None) -> list[Organisation] | None:
    if codes is None:
        return None
    if not codes:
        raise RequestInvalid([Issue("/to", "Name at least one ODS code, or leave out 'to'.")])
    found: list[Organisation] = []
    issues: list[Issue] = []
    for code in codes:
        try:
            found.append(by_ods(db.session, code))
        except UnknownOrganisation as exc:
            issues.append(Issue("/to", str(exc), "unknown_organisation"))
    if issues:
        raise RequestInvalid(issues)
    return found


@bp.get("/apps/<app_id>")
def get_app(app_id: str) -> ResponseReturnValue:
    allow_params([])
    app_or_404(app_id)
    version = latest_version(db.session, app_id)
    if version is None:
        raise NotFound(f"There is no app {app_id!r} that you can see.")
    return jsonify(version.definition)
