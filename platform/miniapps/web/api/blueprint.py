"""The ``api`` blueprint (``/api/v1``): bearer tokens, so no CSRF tokens."""

from flask import Blueprint

from miniapps.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
