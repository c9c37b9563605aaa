"""NUL characters never reach the database: PostgreSQL refuses them in text (SQLite would
store them), so a ``%00`` in a query parameter or a form field used to answer 500 there.

* Query parameters and plain (url-encoded) form fields holding NUL are refused up front
  with 400 naming the parameter. Multipart forms are not read here: a view reads its
  upload only once it has checked the user may write (see ``web/apps/record_form.py``).
* Anything else that still brings NUL to PostgreSQL (a field of a multipart form, a JSON
  member outside record data, which the record check refuses by pointer) is answered
  400 by the handler of the driver's refusal, with nothing written (the request's
  transaction is rolled back).
"""

from __future__ import annotations

from flask import Flask, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DataError
from werkzeug.datastructures import MultiDict

from miniapps.web.errors import error_response

NUL = "\x00"
URL_ENCODED = "application/x-www-form-urlencoded"


def _holding_nul(parameters: MultiDict[str, str]) -> str | None:
    for name, value in parameters.items(multi=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\0")
    return None


def refuse_nul_parameters() -> ResponseReturnValue | None:
    """``before_request``: 400 for a NUL in a query parameter or a url-encoded form field."""
    name = _holding_nul(request.args)
    where = "query parameter"
    if name is None and request.mimetype == URL_ENCODED:
        name, where = _holding_nul(request.form), "form field"
    if name is None:
        return None
    return error_response(
        400, "bad_request", f"The {where} {name!r} contains a NUL character: remove it."
    )


def nul_refused_by_database(exc: DataError) -> ResponseReturnValue:
    """PostgreSQL refused a NUL in text: 400, not 500 (other data errors stay errors)."""
    if "NUL" not in str(exc.orig):
        raise exc
    return error_response(400, "bad_request", "A value contains a NUL character: remove it.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_parameters)
    app.register_error_handler(DataError, nul_refused_by_database)
