"""HTTP API ``/api/v1``: JSON in, JSON out, bearer tokens."""

from flask import Blueprint

from miniapps.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# These modules register their routes, hooks and error handlers on ``bp``.
from miniapps.web.api import (  # noqa: E402, F401
    apps,
    auth,
    comments,
    dashboard,
    errors,
    indicators,
    openapi,
    records,
)
