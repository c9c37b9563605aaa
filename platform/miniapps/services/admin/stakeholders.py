"""Stakeholder organisations in the admin area: a platform admin sets a stakeholder's
category (what its channels send it) and its area (its parent, a Place or an ICB:
everything beneath it).

The change goes through :func:`upsert_organisations`, as ``miniapps orgs import`` does,
so the hierarchy paths follow; it is audited. Problems name the form field
(``/category``, ``/parent``) and nothing changes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.errors import Issue, IssuesError
from miniapps.models import Organisation
from miniapps.models.organisation import PARENT_TYPES
from miniapps.services.admin.audit import audit_admin
from miniapps.services.admin.scope import AdminScope
from miniapps.services.organisations import CATEGORY, OrgRow, upsert_organisations
from miniapps.services.permissions import Forbidden

# What each standard category is (any other name of the CATEGORY shape works too).
CATEGORY_TITLES = {
    "la_adult_safeguarding": "Local Authority adult safeguarding team",
    "la_children_safeguarding": "Local Authority children's safeguarding team (MASH)",
    "icb_quality": "ICB quality team",
    "icb_safeguarding": "ICB safeguarding team",
}
CATEGORY_HELP = (
    "lower-case letters, digits and underscores, starting with a letter "
    "(for example la_adult_safeguarding or icb_quality)"
)


ADMINS_ONLY = "Only platform administrators may change a stakeholder's category and area."


class StakeholderInvalid(IssuesError):
    code = "invalid_stakeholder"
    kind = "invalid"


def area_choices(session: Session) -> list[Organisation]:
    """The organisations a stakeholder's area may be: active ICBs and Places, in tree order."""
    kinds = [kind for kind in PARENT_TYPES["stakeholder"] if kind is not None]
    query = select(Organisation).where(Organisation.type.in_(kinds), Organisation.active)
    return list(session.scalars(query.order_by(Organisation.path)))


def change_stakeholder(
    session: Session,
    scope: AdminScope,
    org: Organisation,
    *,
    category: str | None,
    parent_ods: str | None,
) -> bool:
    """Give stakeholder ``org`` ``category`` (None: none) and the area of ``parent_ods``
    (None: no area, so it covers nothing by category). Platform admins only. Returns
    whether anything changed; raises :class:`StakeholderInvalid` naming each field."""
    if not scope.is_admin:
        raise Forbidden(
            "Only platform administrators may change a stakeholder's category and area."
        )
    if org.type != "stakeholder":
        raise Forbidden(f"{org.name} ({org.ods}) is a {org.type}, not a stakeholder organisation.")
    category = (category or "").strip() or None
    parent_ods = (parent_ods or "").strip().upper() or None
    issues: list[Issue] = []
    if category is not None and not CATEGORY.fullmatch(category):
        issues.append(Issue("/category", f"The category must be {CATEGORY_HELP}"))
    if parent_ods is not None:
        parent = session.scalar(select(Organisation).where(Organisation.ods == parent_ods))
        if parent is None:
            issues.append(
                Issue("/parent", f"The area: no organisation has the ODS code {parent_ods}")
            )
        elif parent.type not in PARENT_TYPES["stakeholder"]:
            message = f"The area must be a Place or an ICB; {parent.name} is a {parent.type}"
            issues.append(Issue("/parent", message))
    if issues:
        raise StakeholderInvalid(issues)
    old = _settings(org)
    new = {"category": category, "area": parent_ods}
    if old == new:
        return False
    row = OrgRow(org.ods, org.name, org.type, parent_ods, is_demo=org.is_demo, category=category)
    upsert_organisations(session, [row])
    audit_admin(session, scope.actor, "stakeholder_changed", f"/organisations/{org.ods}", old, new)
    return True


def _settings(org: Organisation) -> dict[str, str | None]:
    return {"category": org.category, "area": org.parent.ods if org.parent else None}
