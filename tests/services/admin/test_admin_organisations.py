"""Organisation CSV import from the admin area: a preview that writes nothing and reports
every bad row as ``row N, column C: message``; a confirmation that is all or nothing; a PCN
manager kept inside their PCN. Activity dates and the audit log follow the same scope."""

from __future__ import annotations

from datetime import date

import pytest
from miniapps.models import AuditEntry, Organisation
from miniapps.services.admin.audit import AuditFilters, audit_page
from miniapps.services.admin.organisations import (
    apply_import,
    change_activity,
    orgs_page,
    preview_import,
)
from miniapps.services.admin.scope import admin_scope
from miniapps.services.organisations import OrganisationImportInvalid
from miniapps.services.permissions import Access, Forbidden
from sqlalchemy import func, select

HEADER = "ods,name,type,parent_ods\n"


def scope_of(user):
    return admin_scope(Access(user))


def org_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def test_preview_lists_additions_and_changes_and_writes_nothing(db_session, users):
    before = org_count(db_session)
    text = (
        HEADER
        + "A00009,New Surgery,practice,U00001\n"
        + "A00002,Hill Top Surgery,practice,U00001\n"
        + "A00001,North Surgery,practice,U00001\n"
    )
    preview = preview_import(db_session, scope_of(users["platform_admin"]), text)
    assert preview.issues == []
    assert [(c.number, c.row.ods) for c in preview.added] == [(2, "A00009")]
    assert [(c.number, c.changes) for c in preview.changed] == [
        (3, ("name: Hill Surgery → Hill Top Surgery",))
    ]
    assert preview.unchanged == 1
    assert org_count(db_session) == before


def test_every_bad_row_is_reported_and_confirming_writes_nothing(db_session, users):
    text = (
        HEADER
        + "A00009,New Surgery,practice,U00001\nA00010,,surgery,U00001\nA00011,Lost,practice,NOPE\n"
    )
    scope = scope_of(users["platform_admin"])
    assert preview_import(db_session, scope, text).lines() == [
        "row 3, column name: a name is required",
        "row 3, column type: must be one of: icb, place, pcn, practice, stakeholder",
        "row 4, column parent_ods: unknown ODS code NOPE",
    ]
    before = org_count(db_session)
    with pytest.raises(OrganisationImportInvalid):
        apply_import(db_session, scope, text)
    assert org_count(db_session) == before


def test_missing_columns_are_one_problem(db_session, users):
    preview = preview_import(db_session, scope_of(users["platform_admin"]), "ods,name\nX,Y\n")
    assert preview.lines() == ["row 1: missing column(s): type, parent_ods"]


def test_confirm_applies_every_row_and_is_audited(db_session, users):
    admin = users["platform_admin"]
    text = HEADER + "A00009,New Surgery,practice,U00001\nA00002,Hill Top Surgery,practice,U00001\n"
    assert apply_import(db_session, scope_of(admin), text) == (1, 1)
    new = db_session.scalar(select(Organisation).where(Organisation.ods == "A00009"))
    assert new is not None and new.parent is not None and new.parent.ods == "U00001"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "organisations_imported")
    ).one()
    assert entry.actor_id == admin.id and entry.changes[0]["new"] == {"created": 1, "updated": 1}


def test_pcn_manager_imports_only_beneath_their_pcn(db_session, users):
    scope = scope_of(users["pcn_manager"])
    text = (
        HEADER
        + "U00001,North PCN,pcn,PLC01\n"  # unchanged context row: fine
        + "A00009,New Surgery,practice,U00001\n"  # beneath their PCN: fine
        + "A00003,South Renamed,practice,U00002\n"  # another PCN's practice
        + "A00012,Stray Surgery,practice,U00002\n"  # added under another PCN
        + "U00001,North PCN Renamed,pcn,PLC01\n"  # their PCN itself
    )
    assert preview_import(db_session, scope, text).lines() == [
        "row 4, column ods: A00003 is outside the organisations you manage",
        "row 4, column parent_ods: U00002 is outside the organisations you manage",
        "row 5, column parent_ods: U00002 is outside the organisations you manage",
        "row 6, column ods: U00001 appears more than once",
        "row 6, column ods: U00001 is outside the organisations you manage",
        "row 6, column parent_ods: PLC01 is outside the organisations you manage",
    ]
    ok = HEADER + "U00001,North PCN,pcn,PLC01\nA00009,New Surgery,practice,U00001\n"
    assert apply_import(db_session, scope, ok) == (1, 0)


def test_activity_dates_within_the_scope(db_session, users, orgs):
    pcn = scope_of(users["pcn_manager"])
    change_activity(db_session, pcn, orgs["A00002"], active_from=date(2024, 4, 1), closed_on=None)
    assert orgs["A00002"].active_from == date(2024, 4, 1)
    for outside in ("A00003", "U00001"):  # another PCN's practice; their PCN itself
        with pytest.raises(Forbidden):
            change_activity(
                db_session, pcn, orgs[outside], active_from=date(2024, 4, 1), closed_on=None
            )
        assert orgs[outside].active_from is None
    listed = orgs_page(db_session, pcn, search=None, page=1, page_size=50)
    assert [o.ods for o in listed.items] == ["U00001", "A00001", "A00002"]


def test_audit_log_filters_and_scope(db_session, users, orgs):
    admin, pcn = users["platform_admin"], users["pcn_manager"]
    change_activity(
        db_session, scope_of(admin), orgs["A00003"], active_from=date(2024, 1, 1), closed_on=None
    )
    change_activity(
        db_session, scope_of(pcn), orgs["A00002"], active_from=date(2024, 1, 1), closed_on=None
    )

    def actions(who, **filters):
        page = audit_page(db_session, scope_of(who), AuditFilters(**filters), page=1, page_size=50)
        return [(e.actor.email if e.actor else None, e.changes[0]["pointer"]) for e in page.items]

    assert actions(admin, user="pcn@") == [("pcn@example.nhs.uk", "/organisations/A00002")]
    assert len(actions(admin)) == 2
    assert actions(pcn) == [("pcn@example.nhs.uk", "/organisations/A00002")]  # not the admin's
    today = date.today()
    assert actions(admin, since=today, until=today) == actions(admin)
    assert actions(admin, until=date(2000, 1, 1)) == []
    assert actions(admin, app_id="fridge_log") == []
