"""``/openapi.json``: the API's own description; the only route that needs no token."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from miniapps.web.api.blueprint import bp
from miniapps.web.api.openapi_spec import openapi_document


@bp.get("/openapi.json", endpoint="openapi_document")
def openapi_document_json() -> ResponseReturnValue:
    return jsonify(openapi_document())
