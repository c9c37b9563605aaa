"""The one permission filter: who may read, write, approve and publish where."""

from __future__ import annotations

from miniapps.models import Organisation
from miniapps.services.permissions import APPROVE, PUBLISH, READ, WRITE, Access
from sqlalchemy import select


def test_practice_manager_acts_only_at_their_practice(users, orgs):
    access = Access(users["practice_manager"])
    assert access.can(WRITE, orgs["A00001"]) and access.can(APPROVE, orgs["A00001"])
    assert not access.can(READ, orgs["A00002"])  # same PCN, another practice
    assert not access.can(READ, orgs["A00003"])
    assert not access.can(PUBLISH, orgs["A00001"])


def test_practice_staff_write_but_never_approve(users, orgs):
    access = Access(users["practice_staff"])
    assert access.can(WRITE, orgs["A00001"])
    assert not access.can(APPROVE, orgs["A00001"])


def test_pcn_manager_reaches_member_practices_only(users, orgs):
    access = Access(users["pcn_manager"])
    for ods in ("U00001", "A00001", "A00002"):
        assert access.can(WRITE, orgs[ods]) and access.can(PUBLISH, orgs[ods])
    assert not access.can(READ, orgs["A00003"])
    assert not access.can(READ, orgs["U00002"])


def test_icb_viewer_reads_everything_below_and_writes_nothing(users, orgs):
    access = Access(users["icb_viewer"])
    assert all(access.can(READ, orgs[o]) for o in ("PLC01", "U00002", "A00004"))
    assert not access.can(WRITE, orgs["A00004"])


def test_stakeholder_sees_no_app_records(users, orgs):
    access = Access(users["stakeholder"])
    assert not any(access.can(READ, org) for org in orgs.values())


def test_org_clause_matches_can(db_session, users, orgs):
    """The SQL filter and the Python check agree for every role and organisation."""
    for user in users.values():
        access = Access(user)
        for action in (READ, WRITE, APPROVE, PUBLISH):
            in_sql = set(
                db_session.scalars(select(Organisation.ods).where(access.org_clause(action)))
            )
            in_python = {ods for ods, org in orgs.items() if access.can(action, org)}
            assert in_sql == in_python, (user.email, action)


def test_admin_may_do_anything(users, orgs):
    access = Access(users["platform_admin"])
    assert access.is_admin
    assert all(access.can(PUBLISH, org) for org in orgs.values())


def test_anonymous_may_do_nothing(orgs):
    access = Access(None)
    assert not access.can(READ, orgs["A00001"])
    assert not access.may_anywhere(READ)


def test_subtree_range_matches_prefixes_including_lookalike_ids(db_session, orgs):
    """``/1/4/`` must not take in ``/1/40/``: the range relies on byte order."""
    from miniapps.models.organisation import subtree
    from miniapps.services.organisations import OrgRow, upsert_organisations

    # Enough siblings that some ids share leading digits with others (4 and 40…).
    rows = [OrgRow(f"X{n:05d}", f"Extra {n}", "practice", "U00001") for n in range(40)]
    upsert_organisations(db_session, rows)
    everyone = db_session.scalars(select(Organisation)).all()
    for org in everyone:
        in_range = set(db_session.scalars(select(Organisation.id).where(subtree(org.path))))
        by_prefix = {o.id for o in everyone if o.path.startswith(org.path)}
        assert in_range == by_prefix, org.path
