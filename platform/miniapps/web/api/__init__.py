"""HTTP API ``/api/v1``: JSON in, JSON out, bearer tokens."""

# These modules register their routes, hooks and error handlers on ``bp``.
from miniapps.web.api import (  # noqa: F401
    apps,
    auth,
    comments,
    compliance,
    dashboard,
    documents,
    errors,
    inbox,
    indicators,
    openapi,
    records,
    views,
    webhooks,
)
from miniapps.web.api.blueprint import bp

__all__ = ["bp"]
