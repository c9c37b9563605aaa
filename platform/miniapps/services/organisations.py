"""Organisations: look-ups, hierarchy paths and CSV import (``ods,name,type,parent_ods``)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, String, bindparam, select
from sqlalchemy.orm import Session

from miniapps.core.errors import Issue, IssuesError
from miniapps.models import ORG_TYPES, App, Organisation
from miniapps.models.organisation import PARENT_TYPES
from miniapps.services.permissions import WRITE, Access, targeted_clause

IMPORT_COLUMNS = ("ods", "name", "type", "parent_ods")  # and an optional "category"
# A stakeholder's category: la_adult_safeguarding, la_children_safeguarding, icb_quality,
# icb_safeguarding, or any other name of this shape.
CATEGORY = re.compile(r"[a-z][a-z0-9_]*")
STANDARD_CATEGORIES = (
    "la_adult_safeguarding",
    "la_children_safeguarding",
    "icb_quality",
    "icb_safeguarding",
)


class UnknownOrganisation(LookupError):
    def __init__(self, ods: str) -> None:
        super().__init__(f"No organisation has the ODS code {ods!r}.")
        self.ods = ods


class OrganisationImportInvalid(IssuesError):
    code = "invalid_organisations"


class ActivityInvalid(IssuesError):
    code = "invalid_activity"
    kind = "invalid"


@dataclass(frozen=True)
class OrgRow:
    ods: str
    name: str
    type: str
    parent_ods: str | None
    is_demo: bool = False
    # Stakeholders only: la_adult_safeguarding, icb_quality, ... (see CATEGORY).
    category: str | None = None
    # False when the file had no category column: existing categories are kept.
    category_given: bool = True


def by_ods(session: Session, ods: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.ods == ods.strip().upper()))
    if org is None:
        raise UnknownOrganisation(ods)
    return org


def by_ods_for_app(session: Session, ods: str, app_id: str) -> tuple[Organisation, bool]:
    """The organisation by its ODS code and whether ``app_id`` is published to it (or to
    one above it), in one statement: what :func:`by_ods` and
    :func:`~miniapps.services.permissions.is_targeted` ask one after the other."""
    found = session.execute(_org_for_app(app_id), {"ods": ods.strip().upper()}).first()
    if found is None:
        raise UnknownOrganisation(ods)
    org, targeted = found
    return org, bool(targeted)


@lru_cache(maxsize=1024)
def _org_for_app(app_id: str) -> Select[Organisation, bool]:
    """:func:`by_ods_for_app`'s statement for one app, the code bound as ``ods``: built
    once (building it cost more than running it)."""
    return select(Organisation, targeted_clause(app_id)).where(
        Organisation.ods == bindparam("ods", type_=String)
    )


def children(session: Session, org: Organisation) -> list[Organisation]:
    query = select(Organisation).where(Organisation.parent_id == org.id, Organisation.active)
    return list(session.scalars(query.order_by(Organisation.name)))


def targeted_organisations(session: Session, app: App) -> list[Organisation]:
    """The organisations ``app`` is published to now (not those beneath them)."""
    ids = [target.organisation_id for target in app.targets]
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids))))


def writable_orgs(session: Session, access: Access, app: App) -> list[Organisation]:
    """Active organisations where ``access`` may fill ``app`` in and it is published, by
    place in the tree."""
    return list(session.scalars(_writable_query(access.org_clause(WRITE, app), app.id)))


@lru_cache(maxsize=1024)
def _writable_query(writable: ColumnElement[bool], app_id: str) -> Select[Organisation]:
    """:func:`writable_orgs`'s statement, made once per shape of permission and app."""
    query = select(Organisation).where(writable, targeted_clause(app_id), Organisation.active)
    return query.order_by(Organisation.path)


def ancestors(session: Session, org: Organisation) -> list[Organisation]:
    """From the top of the tree down to ``org``'s parent."""
    ids = [int(i) for i in org.path.strip("/").split("/")[:-1] if i]
    found = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def set_activity(
    session: Session,
    org: Organisation,
    *,
    active_from: date | None,
    closed_on: date | None,
    today: date | None = None,
) -> Organisation:
    """Record when ``org`` was active: from ``active_from`` (None: always) until the day
    before ``closed_on`` (None: still open). ``active`` follows: False once closed.

    Returns owed for past periods follow these dates (see :mod:`miniapps.services.returns.owing`).
    A closing date in the future or not after ``active_from`` is refused, naming the
    field, and nothing changes.
    """
    today = today or date.today()
    issues = []
    if closed_on is not None and closed_on > today:
        issues.append(Issue("/closed_on", "The closing date must not be in the future"))
    if active_from is not None and closed_on is not None and closed_on <= active_from:
        issues.append(Issue("/closed_on", "The closing date must be after the opening date"))
    if issues:
        raise ActivityInvalid(issues)
    org.active_from, org.closed_on = active_from, closed_on
    org.active = closed_on is None  # keeps closed_on (see the model's notes)
    session.flush()
    return org


def upsert_organisations(session: Session, rows: list[OrgRow]) -> tuple[int, int]:
    """Create or update organisations all at once; raise with every bad row, writing nothing.

    Rows may come in any order: a parent may be defined further down the file.
    Returns (created, updated).
    """
    issues = _check_rows(session, rows)
    if issues:
        raise OrganisationImportInvalid(issues)
    existing = {o.ods: o for o in session.scalars(select(Organisation))}
    created: set[str] = set()
    changed: set[str] = set()
    for row in rows:
        org = existing.get(row.ods)
        if org is None:
            org = Organisation(
                ods=row.ods,
                name=row.name,
                type=row.type,
                is_demo=row.is_demo,
                category=row.category,
            )
            session.add(org)
            existing[row.ods] = org
            created.add(row.ods)
        else:
            category = row.category if row.category_given else org.category
            if (org.name, org.type, org.is_demo, org.category) == (
                row.name,
                row.type,
                row.is_demo,
                category,
            ):
                continue
            org.name, org.type, org.is_demo = row.name, row.type, row.is_demo
            org.category = category
            changed.add(row.ods)
    session.flush()
    for row in rows:
        org = existing[row.ods]
        parent_id = existing[row.parent_ods].id if row.parent_ods else None
        if org.parent_id != parent_id:
            org.parent_id = parent_id
            changed.add(row.ods)
    session.flush()
    _rebuild_paths(session)
    return len(created), len(changed - created)


def import_issues(session: Session, rows: list[OrgRow]) -> list[Issue]:
    """Every problem :func:`upsert_organisations` would refuse ``rows`` for (nothing written)."""
    return _check_rows(session, rows)


def _check_rows(session: Session, rows: list[OrgRow]) -> list[Issue]:
    issues: list[Issue] = []
    types = {o.ods: o.type for o in session.scalars(select(Organisation))}
    types.update({r.ods: r.type for r in rows})
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        where = f"row {number}"
        if not row.ods:
            issues.append(Issue(f"{where}, column ods", "an ODS code is required"))
        elif row.ods in seen:
            issues.append(Issue(f"{where}, column ods", f"{row.ods} appears more than once"))
        seen.add(row.ods)
        if not row.name:
            issues.append(Issue(f"{where}, column name", "a name is required"))
        if row.type not in ORG_TYPES:
            issues.append(Issue(f"{where}, column type", f"must be one of: {', '.join(ORG_TYPES)}"))
            continue
        if row.category is not None and row.type != "stakeholder":
            message = "only stakeholder organisations have a category; leave it empty"
            issues.append(Issue(f"{where}, column category", message))
        elif row.category is not None and not CATEGORY.fullmatch(row.category):
            message = (
                "must be lower-case letters, digits and underscores, starting with a letter "
                "(for example la_adult_safeguarding or icb_quality)"
            )
            issues.append(Issue(f"{where}, column category", message))
        parent_type = types.get(row.parent_ods) if row.parent_ods else None
        if row.parent_ods and row.parent_ods not in types:
            issues.append(
                Issue(f"{where}, column parent_ods", f"unknown ODS code {row.parent_ods}")
            )
        elif parent_type not in PARENT_TYPES[row.type]:
            wanted = " or ".join(t or "none" for t in PARENT_TYPES[row.type])
            issues.append(
                Issue(
                    f"{where}, column parent_ods",
                    f"a {row.type}'s parent must be {wanted}, not {parent_type or 'none'}",
                )
            )
    return issues


def _rebuild_paths(session: Session) -> None:
    orgs = list(session.scalars(select(Organisation)))
    by_id = {o.id: o for o in orgs}
    for org in orgs:
        ids: list[int] = []
        node: Organisation | None = org
        while node is not None and len(ids) < 20:
            ids.append(node.id)
            node = by_id.get(node.parent_id) if node.parent_id else None
        path = "/" + "/".join(str(i) for i in reversed(ids)) + "/"
        if org.path != path:
            org.path = path
    session.flush()


def parse_org_csv(text: str) -> list[OrgRow]:
    """Read ``ods,name,type,parent_ods`` rows; a missing column is one clear error."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise OrganisationImportInvalid(
            [Issue("row 1", f"missing column(s): {', '.join(missing)}")]
        )
    has_category = "category" in (reader.fieldnames or [])
    return [
        OrgRow(
            ods=(raw.get("ods") or "").strip().upper(),
            name=(raw.get("name") or "").strip(),
            type=(raw.get("type") or "").strip().lower(),
            parent_ods=(raw.get("parent_ods") or "").strip().upper() or None,
            category=(raw.get("category") or "").strip() or None,
            category_given=has_category,
        )
        for raw in reader
    ]
