"""The admin area's one check: platform admins everywhere, PCN managers inside their PCN,
never above their own level; everyone else refused before anything changes."""

from __future__ import annotations

import pytest
from miniapps.core.errors import MiniappsError
from miniapps.models import Membership, User
from miniapps.services.admin import people
from miniapps.services.admin.scope import admin_scope, may_use_admin
from miniapps.services.admin.tokens import revoke_token, tokens_page
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.users import create_token
from sqlalchemy import select

BASE = "http://miniapps.test"


def scope_of(user):
    return admin_scope(Access(user))


@pytest.mark.parametrize(
    "role", ["practice_manager", "practice_staff", "stakeholder", "icb_viewer"]
)
def test_only_admins_and_pcn_managers_may_use_the_admin_area(users, role):
    assert not may_use_admin(Access(users[role]))
    with pytest.raises(Forbidden):
        scope_of(users[role])
    assert may_use_admin(Access(users["platform_admin"]))
    assert may_use_admin(Access(users["pcn_manager"]))


def test_pcn_manager_may_invite_within_their_pcn(db_session, users, orgs):
    invited = people.invite(
        db_session,
        scope_of(users["pcn_manager"]),
        email="new.nurse@example.nhs.uk",
        name="New Nurse",
        role="practice_staff",
        org=orgs["A00002"],
        base_url=BASE,
    )
    assert invited.created and invited.emailed
    assert [(m.role, m.organisation.ods) for m in invited.user.memberships] == [
        ("practice_staff", "A00002")
    ]
    assert invited.user.password_hash is None


def test_pcn_manager_refused_outside_their_pcn_and_nothing_is_written(db_session, users, orgs):
    scope = scope_of(users["pcn_manager"])
    with pytest.raises(Forbidden, match="outside"):
        people.invite(
            db_session,
            scope,
            email="elsewhere@example.nhs.uk",
            name="Elsewhere",
            role="practice_staff",
            org=orgs["A00003"],  # South PCN's practice
            base_url=BASE,
        )
    assert db_session.scalar(select(User).where(User.email == "elsewhere@example.nhs.uk")) is None
    # Someone whose roles are all in another PCN is not even visible, let alone manageable.
    with pytest.raises(MiniappsError):
        people.visible_user(db_session, scope, users["practice_manager_2"].id)
    with pytest.raises(Forbidden):
        people.set_active(db_session, scope, users["practice_manager_2"], False)
    assert users["practice_manager_2"].active


@pytest.mark.parametrize("role", ["platform_admin", "icb_viewer", "stakeholder"])
def test_pcn_manager_refused_granting_roles_above_their_level(db_session, users, orgs, role):
    with pytest.raises(Forbidden, match=role):
        people.add_role(
            db_session,
            scope_of(users["pcn_manager"]),
            users["practice_staff"],
            role,
            orgs["A00001"],
        )
    assert not any(m.role == role for m in users["practice_staff"].memberships)


def test_pcn_manager_cannot_manage_an_account_with_roles_beyond_their_pcn(db_session, users, orgs):
    staff = users["practice_staff"]
    staff.memberships.append(Membership(organisation=orgs["A00003"], role="practice_staff"))
    db_session.flush()
    scope = scope_of(users["pcn_manager"])
    assert people.visible_user(db_session, scope, staff.id) == staff  # a role in the PCN
    with pytest.raises(Forbidden):
        people.set_active(db_session, scope, staff, False)
    with pytest.raises(Forbidden):
        people.send_reset(db_session, scope, staff, BASE)
    assert staff.active


def test_admin_may_grant_anything_anywhere(db_session, users, orgs):
    people.add_role(
        db_session,
        scope_of(users["platform_admin"]),
        users["practice_staff"],
        "platform_admin",
        orgs["QWE"],
    )
    assert "platform_admin" in {m.role for m in users["practice_staff"].memberships}


def test_nobody_deactivates_themselves(db_session, users):
    with pytest.raises(Forbidden):
        people.set_active(
            db_session, scope_of(users["platform_admin"]), users["platform_admin"], False
        )


def test_users_list_follows_the_scope(db_session, users):
    pcn = people.users_page(
        db_session, scope_of(users["pcn_manager"]), search=None, page=1, page_size=50
    )
    emails = {u.email for u in pcn.items}
    assert emails == {"pcn@example.nhs.uk", "pm@example.nhs.uk", "staff@example.nhs.uk"}
    admin = people.users_page(
        db_session, scope_of(users["platform_admin"]), search="pm", page=1, page_size=50
    )
    assert {u.email for u in admin.items} == {"pm@example.nhs.uk", "pm2@example.nhs.uk"}


def test_tokens_listed_and_revoked_within_the_scope(db_session, users):
    create_token(db_session, users["practice_manager"])
    create_token(db_session, users["practice_manager_2"])
    pcn = scope_of(users["pcn_manager"])
    listed = tokens_page(db_session, pcn, user_id=None, page=1, page_size=50)
    assert [t.user.email for t in listed.items] == ["pm@example.nhs.uk"]
    other = tokens_page(
        db_session,
        scope_of(users["platform_admin"]),
        user_id=users["practice_manager_2"].id,
        page=1,
        page_size=50,
    ).items[0]
    with pytest.raises(MiniappsError):
        revoke_token(db_session, pcn, other.id)
    assert other.revoked_at is None
    assert revoke_token(db_session, pcn, listed.items[0].id).revoked_at is not None
