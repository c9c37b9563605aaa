"""Errors: JSON ``{"error", "message"}`` under /api/, NHS.UK pages elsewhere; never a bare 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from miniapps.core.errors import IssuesError, Kind, MiniappsError
from miniapps.services.organisations import UnknownOrganisation
from miniapps.services.permissions import Forbidden

# The one place an error's kind becomes an HTTP status code.
KIND_STATUS: dict[Kind, int] = {
    "bad_request": 400,
    "invalid": 422,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "unsupported_media_type": 415,
    "precondition_required": 428,
}


def status_of(exc: MiniappsError) -> int:
    """The HTTP status code for a domain error, from its kind."""
    return KIND_STATUS[exc.kind]


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, error: str, message: str, **extra: object) -> ResponseReturnValue:
    if wants_json():
        response = jsonify({"error": error, "message": message, **extra})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        name = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, name, exc.description or exc.name)

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden) -> ResponseReturnValue:
        return error_response(KIND_STATUS["forbidden"], "forbidden", str(exc))

    @app.errorhandler(UnknownOrganisation)
    def unknown_org(exc: UnknownOrganisation) -> ResponseReturnValue:
        return error_response(KIND_STATUS["not_found"], "unknown_organisation", str(exc))

    @app.errorhandler(IssuesError)
    def issues(exc: IssuesError) -> ResponseReturnValue:
        return error_response(
            status_of(exc),
            exc.code,
            "The request has errors.",
            errors=[i.as_dict() for i in exc.issues],
        )

    @app.errorhandler(MiniappsError)
    def domain_error(exc: MiniappsError) -> ResponseReturnValue:
        extra = {"allowed": exc.allowed} if hasattr(exc, "allowed") else {}
        return error_response(status_of(exc), exc.code, str(exc), **extra)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        if app.testing and not wants_json():
            raise exc
        return error_response(500, "internal_error", "Something went wrong on our side.")
