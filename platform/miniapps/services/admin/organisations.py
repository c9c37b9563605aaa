"""Organisations in the admin area: the list, CSV import with a preview, activity dates.

The import is the one ``miniapps orgs import`` uses (:func:`upsert_organisations`): the
preview runs its checks and the caller's scope on every row and writes nothing; the
confirmation checks everything again and applies all rows or none.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from miniapps.core.errors import Issue
from miniapps.models import Organisation
from miniapps.services.admin.audit import audit_admin
from miniapps.services.admin.scope import AdminNotFound, AdminScope
from miniapps.services.organisations import (
    OrganisationImportInvalid,
    OrgRow,
    import_issues,
    parse_org_csv,
    set_activity,
    upsert_organisations,
)
from miniapps.services.records.listing import Page


@dataclass(frozen=True)
class RowChange:
    """One row that adds or changes an organisation, with what changes (``name: A → B``)."""

    number: int
    row: OrgRow
    changes: tuple[str, ...] = ()


@dataclass
class ImportPreview:
    rows: list[OrgRow] = field(default_factory=list)
    added: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)

    def lines(self) -> list[str]:
        """``row N, column C: message``, one line per problem."""
        return [f"{issue.pointer}: {issue.message}" for issue in self.issues]


def orgs_page(
    session: Session, scope: AdminScope, *, search: str | None, page: int, page_size: int
) -> Page[Organisation]:
    """Organisations in the scope (a PCN manager's PCN and beneath), in tree order."""
    base = select(Organisation).where(scope.org_clause())
    if search:
        term = search.strip()
        base = base.where(
            or_(
                func.lower(Organisation.name).contains(term.lower()),
                Organisation.ods.contains(term.upper()),
            )
        )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(Organisation.path).offset((page - 1) * page_size).limit(page_size)
    )
    return Page(list(rows), total, page, page_size)


def visible_org(session: Session, scope: AdminScope, ods: str) -> Organisation:
    org = session.scalar(
        select(Organisation).where(Organisation.ods == ods.strip().upper(), scope.org_clause())
    )
    if org is None:
        raise AdminNotFound(f"No organisation you manage has the ODS code {ods!r}.")
    return org


def preview_import(session: Session, scope: AdminScope, text: str) -> ImportPreview:
    """What importing ``text`` would add and change, and every problem; nothing is written."""
    try:
        rows = parse_org_csv(text)
    except OrganisationImportInvalid as exc:
        return ImportPreview(issues=exc.issues)
    existing = {o.ods: o for o in session.scalars(select(Organisation))}
    ods_by_id = {o.id: o.ods for o in existing.values()}
    # Keep the demo mark of organisations already known: the file has no such column.
    rows = [
        dataclasses.replace(r, is_demo=existing[r.ods].is_demo) if r.ods in existing else r
        for r in rows
    ]
    preview = ImportPreview(rows=rows, issues=import_issues(session, rows))
    for number, row in enumerate(rows, start=2):
        org = existing.get(row.ods)
        if org is None:
            preview.added.append(RowChange(number, row))
            changes: tuple[str, ...] = ()
        else:
            old_parent = ods_by_id.get(org.parent_id) if org.parent_id else None
            changes = tuple(
                f"{label}: {old or 'none'} → {new or 'none'}"
                for label, old, new in (
                    ("name", org.name, row.name),
                    ("type", org.type, row.type),
                    ("parent", old_parent, row.parent_ods),
                    ("category", org.category, row.category),
                )
                if old != new
            )
            if changes:
                preview.changed.append(RowChange(number, row, changes))
            else:
                preview.unchanged += 1
        preview.issues += _scope_issues(scope, number, row, org, changes, existing)
    preview.issues.sort(key=_row_number)
    return preview


def _scope_issues(
    scope: AdminScope,
    number: int,
    row: OrgRow,
    org: Organisation | None,
    changes: tuple[str, ...],
    existing: dict[str, Organisation],
) -> list[Issue]:
    if scope.is_admin or (org is not None and not changes):
        return []  # an unchanged row may name an organisation above the PCN, as context
    where = f"row {number}"
    issues = []
    if org is not None and not scope.may_change_org(org):
        issues.append(
            Issue(f"{where}, column ods", f"{row.ods} is outside the organisations you manage")
        )
    # A parent that is a row of the file is checked on its own row.
    parent = existing.get(row.parent_ods) if row.parent_ods else None
    if row.parent_ods is None:
        issues.append(Issue(f"{where}, column parent_ods", "must be an organisation you manage"))
    elif parent is not None and not scope.covers(parent):
        issues.append(
            Issue(
                f"{where}, column parent_ods",
                f"{row.parent_ods} is outside the organisations you manage",
            )
        )
    return issues


def _row_number(issue: Issue) -> int:
    found = re.match(r"row (\d+)", issue.pointer)
    return int(found.group(1)) if found else 0


def apply_import(session: Session, scope: AdminScope, text: str) -> tuple[int, int]:
    """Check again and apply every row, or raise with every problem and write nothing."""
    preview = preview_import(session, scope, text)
    if preview.issues:
        raise OrganisationImportInvalid(preview.issues)
    created, updated = upsert_organisations(session, preview.rows)
    audit_admin(
        session,
        scope.actor,
        "organisations_imported",
        "/organisations",
        None,
        {"created": created, "updated": updated},
    )
    return created, updated


def change_activity(
    session: Session,
    scope: AdminScope,
    org: Organisation,
    *,
    active_from: date | None,
    closed_on: date | None,
) -> None:
    scope.require_org_change(org)
    old = [_iso(org.active_from), _iso(org.closed_on)]
    set_activity(session, org, active_from=active_from, closed_on=closed_on)
    audit_admin(
        session,
        scope.actor,
        "organisation_activity",
        f"/organisations/{org.ods}",
        old,
        [_iso(active_from), _iso(closed_on)],
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
