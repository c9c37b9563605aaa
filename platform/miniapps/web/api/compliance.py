"""``GET /api/v1/compliance?org=ODS&framework=ID[&version=V]``: one practice's standing
against a compliance framework, per key question and statement.

Order of checks: token (401), unknown parameters (400), ``org`` given (400), the
framework (given, else that of the compliance app the caller sees, else the only one
loaded) is loaded (404), the practice exists and the caller may see its compliance
(404 either way: the API never says which), the version is loaded (404). The answer is
:meth:`miniapps.services.compliance.assessment.Assessment.as_json`.
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.compliance.assessment import assess
from miniapps.services.compliance.viewing import assessable_practices, framework_for_api
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.errors import NotFound
from miniapps.web.api.parsing import BadParameter, allow_params, text_param


@bp.get("/compliance")
def compliance_json() -> ResponseReturnValue:
    allow_params(["org", "framework", "version"])
    ods = text_param("org")
    if ods is None:
        raise BadParameter("org is required: the ODS code of a practice, such as A00001.")
    access = api_access()
    framework, home = framework_for_api(db.session, access, text_param("framework"))
    wanted = ods.upper()
    org = next((o for o in assessable_practices(db.session, access, home) if o.ods == wanted), None)
    if org is None:
        raise NotFound(f"There is no practice {wanted} whose compliance you can see.")
    assessment = assess(db.session, org, framework, version=text_param("version"))
    return jsonify(assessment.as_json())
