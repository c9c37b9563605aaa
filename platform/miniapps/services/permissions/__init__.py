"""The one permission filter: what a user may read, write, approve, publish or count, and where.

Every page, list, dashboard, export and API call asks :class:`Access`. Roles are
held per organisation and reach every organisation beneath it (materialised path).

A stakeholder organisation takes part through channels (the records it holds as items)
and through its own **ad hoc apps** (``App.owner_id``): its people may publish an app to
the organisations of its area (everything beneath its parent, a Place or an ICB), and
then read the submitted records of that app in the area, and publish its new versions.
Nobody else gains anything from an owned app, and only its owner (or a platform admin)
may publish it again.

A record may be **about another organisation** (its app declares a ``subject``: a peer
review of another practice of the PCN, ``Record.subject_id``). Those who may read at that
organisation see the record once it is submitted (never its drafts), besides those who
see it from the organisation that wrote it; figures and lists stay the writer's.
"""

from miniapps.services.permissions.access import Access, Forbidden, SystemAccess
from miniapps.services.permissions.rules import (
    ACTIONS,
    APPROVE,
    DASHBOARD,
    OWNER_ACTIONS,
    PUBLISH,
    READ,
    ROLE_ACTIONS,
    WRITE,
    app_roles,
    has_subject,
)
from miniapps.services.permissions.targeting import is_targeted, targeted_clause

__all__ = [
    "ACTIONS",
    "APPROVE",
    "DASHBOARD",
    "OWNER_ACTIONS",
    "PUBLISH",
    "READ",
    "ROLE_ACTIONS",
    "WRITE",
    "Access",
    "Forbidden",
    "SystemAccess",
    "app_roles",
    "has_subject",
    "is_targeted",
    "targeted_clause",
]
