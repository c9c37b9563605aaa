"""The dashboard action: roles that see an app's figures without reading its records.

An app's ``permissions.dashboard`` adds roles to those that may read; without it the
dashboard is exactly the read permission, for every role and organisation."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import Organisation
from miniapps.services import users as user_service
from miniapps.services.permissions import (
    ACTIONS,
    DASHBOARD,
    READ,
    ROLE_ACTIONS,
    WRITE,
    Access,
    app_roles,
)
from sqlalchemy import select

from tests.publishing import publish_app

PRACTICE_ROLES = ["practice_staff", "practice_manager"]
FIGURES_ONLY = {"read": PRACTICE_ROLES, "write": PRACTICE_ROLES, "dashboard": ["pcn_manager"]}


def definition(permissions: dict[str, Any] | None, app_id: str = "harm_log") -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": app_id,
        "title": "Harm log",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {"harm": {"type": "string", "title": "Harm", "enum": ["low", "high"]}},
        },
    }
    if permissions is not None:
        raw["permissions"] = permissions
    return raw


@pytest.fixture
def publish(db_session, orgs):
    def make(permissions: dict[str, Any] | None, app_id: str = "harm_log"):
        return publish_app(db_session, definition(permissions, app_id), [orgs["QWE"]])

    return make


def test_every_role_that_reads_sees_figures_and_no_other() -> None:
    assert DASHBOARD in ACTIONS
    for role, actions in ROLE_ACTIONS.items():
        assert (DASHBOARD in actions) == (READ in actions), role


def test_without_the_member_the_dashboard_is_the_read_permission(
    db_session, users, orgs, publish
) -> None:
    cases = [None, {"read": ["pcn_manager", "icb_viewer"]}, {"write": PRACTICE_ROLES}]
    for number, permissions in enumerate(cases):
        app = publish(permissions, f"harm_log_{number}")
        assert app_roles(app, DASHBOARD) == app_roles(app, READ)
        for user in users.values():
            access = Access(user)
            assert not access.counts_beyond_reading(app)
            for org in orgs.values():
                assert access.can(DASHBOARD, org, app) == access.can(READ, org, app)
            counted = select(Organisation.ods).where(access.org_clause(DASHBOARD, app))
            read = select(Organisation.ods).where(access.org_clause(READ, app))
            assert set(db_session.scalars(counted)) == set(db_session.scalars(read)), user.email


def test_dashboard_roles_add_to_the_readers(publish) -> None:
    app = publish(FIGURES_ONLY)
    assert app_roles(app, READ) == PRACTICE_ROLES
    assert app_roles(app, DASHBOARD) == [*PRACTICE_ROLES, "pcn_manager"]
    # Nobody is narrowed by it where reading is open to every role.
    assert app_roles(publish({"dashboard": ["icb_viewer"]}, "open_log"), DASHBOARD) is None


def test_a_figures_only_role_counts_where_it_may_not_read(db_session, users, orgs, publish):
    app = publish(FIGURES_ONLY)
    access = Access(users["pcn_manager"])
    for ods in ("U00001", "A00001", "A00002"):
        assert access.can(DASHBOARD, orgs[ods], app)
        assert not access.can(READ, orgs[ods], app) and not access.can(WRITE, orgs[ods], app)
    assert not access.can(DASHBOARD, orgs["A00003"], app)  # another PCN: no figures either
    assert not access.can(DASHBOARD, orgs["PLC01"], app)
    in_sql = db_session.scalars(select(Organisation.ods).where(access.org_clause(DASHBOARD, app)))
    assert set(in_sql) == {"U00001", "A00001", "A00002"}
    assert access.counts_beyond_reading(app)
    assert not access.may_list_records(app)
    # icb_viewer is neither a reader nor named: nothing at all.
    viewer = Access(users["icb_viewer"])
    assert not any(viewer.can(DASHBOARD, org, app) for org in orgs.values())


def test_readers_keep_their_figures_and_records(users, orgs, publish) -> None:
    app = publish(FIGURES_ONLY)
    manager = Access(users["practice_manager"])
    assert manager.can(DASHBOARD, orgs["A00001"], app) and manager.can(READ, orgs["A00001"], app)
    assert not manager.can(DASHBOARD, orgs["A00002"], app)
    assert manager.may_list_records(app) and not manager.counts_beyond_reading(app)
    admin = Access(users["platform_admin"])
    assert admin.may_list_records(app) and not admin.counts_beyond_reading(app)


def test_someone_who_reads_one_practice_and_counts_a_pcn(db_session, users, orgs, publish):
    app = publish(FIGURES_ONLY)
    user_service.create_user(
        db_session, users["practice_manager"].email, "x", None, "pcn_manager", orgs["U00002"]
    )
    db_session.commit()
    access = Access(users["practice_manager"])
    assert access.can(READ, orgs["A00001"], app) and not access.can(READ, orgs["A00003"], app)
    assert access.can(DASHBOARD, orgs["A00003"], app)
    assert access.may_list_records(app) and access.counts_beyond_reading(app)


def test_stakeholders_and_the_anonymous(users, orgs, publish) -> None:
    app = publish(FIGURES_ONLY)
    assert not any(Access(None).can(DASHBOARD, org, app) for org in orgs.values())
    assert not Access(None).may_list_records(app)
    stakeholder = Access(users["stakeholder"])
    assert not any(stakeholder.can(DASHBOARD, org, app) for org in orgs.values())
    # A stakeholder lists the records its organisation holds as channel items.
    assert stakeholder.may_list_records(app)
