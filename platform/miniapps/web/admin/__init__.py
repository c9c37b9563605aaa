"""The admin area under ``/admin``: people, organisations, API tokens, the outbox, the audit
log. Platform admins see everything; PCN managers their PCN (services/admin/scope.py)."""

# These modules register their routes on ``bp``.
from miniapps.web.admin import (  # noqa: F401
    audit,
    organisations,
    outbox,
    overview,
    tokens,
    users,
)
from miniapps.web.admin.blueprint import bp

__all__ = ["bp"]
