"""API-only errors; everything else is rendered by :mod:`miniapps.web.errors`."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.core.errors import MiniappsError
from miniapps.services.records.steps import StaleRecord
from miniapps.web.api.blueprint import bp
from miniapps.web.errors import status_of


class NotFound(MiniappsError):
    """Unknown, or not visible to the caller: the API never says which."""

    code = "not_found"
    kind = "not_found"


@bp.errorhandler(StaleRecord)
def stale_record(exc: StaleRecord) -> ResponseReturnValue:
    response = jsonify(
        {"error": exc.code, "message": str(exc), "current_version": exc.current_version}
    )
    response.status_code = status_of(exc)
    response.headers["ETag"] = f'"{exc.current_version}"'
    return response
