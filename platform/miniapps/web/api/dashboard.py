"""``/apps/{id}/dashboard``: the dashboard contract object, for one organisation and period range.

``org`` is an ODS code (the dashboard covers it and everything beneath it; without it,
everything the caller may see the figures of: the roles that read the app's records and
those its ``permissions.dashboard`` adds); ``from`` and ``to`` are periods (``2025-04``,
``2025-Q1``, ``2025-W07``, ``2025``), both optional. The service checks permission
(403) and the periods (422 with pointers ``/from``, ``/to``). A ``table`` widget lists
only records the caller may read (``data.restricted`` says why when it lists fewer).
The figures are read on the read replica when one is configured
(:mod:`miniapps.web.replica_reads`).
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.organisations import by_ods
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.lookups import app_or_404
from miniapps.web.api.parsing import allow_params, text_param
from miniapps.web.replica_reads import read_only_work


@bp.get("/apps/<app_id>/dashboard")
def app_dashboard_json(app_id: str) -> ResponseReturnValue:
    allow_params(["org", "from", "to"])
    app = app_or_404(app_id)
    ods = text_param("org")
    org = by_ods(db.session, ods) if ods is not None else None
    access = api_access()
    with read_only_work() as session:  # the figures: on the read replica when there is one
        found = app_dashboard(session, access, app, org, text_param("from"), text_param("to"))
    return jsonify(found)
