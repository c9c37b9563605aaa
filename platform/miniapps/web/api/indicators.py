"""``/apps/{id}/indicators``: one row per indicator for an organisation and a month.

``org`` (an ODS code: that organisation and everything beneath it) and ``period`` (a
month, ``2025-06``) are both required: a token has no "home" organisation to default to,
and indicator money is per month. Order of checks: token (401), unknown parameters
(400), the app must be visible (404), ``org`` and ``period`` given (422 with pointers
``/org`` and ``/period``), the organisation exists (404), permission (403), then the
period is a month (422, pointer ``/period``). The answer is
``{"org", "period", "indicators": [...]}`` (see
:func:`miniapps.services.indicators.results.indicator_results`).
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.core.errors import Issue
from miniapps.db import db
from miniapps.services.indicators.results import indicator_results
from miniapps.services.organisations import by_ods
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.lookups import app_or_404
from miniapps.web.api.parsing import RequestInvalid, allow_params, text_param

REQUIRED = {
    "org": "is required: the ODS code of an organisation, such as U00001",
    "period": "is required: a month such as 2025-04 (YYYY-MM)",
}


@bp.get("/apps/<app_id>/indicators")
def app_indicators_json(app_id: str) -> ResponseReturnValue:
    allow_params(list(REQUIRED))
    app = app_or_404(app_id)
    ods, period = text_param("org"), text_param("period")
    if ods is None or period is None:
        raise RequestInvalid(
            [
                Issue(f"/{name}", text, "required")
                for name, text in REQUIRED.items()
                if not text_param(name)
            ]
        )
    org = by_ods(db.session, ods)
    return jsonify(indicator_results(db.session, api_access(), app, org, period))
