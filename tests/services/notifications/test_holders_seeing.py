"""Role holders whose roles found with them already say that they see the record
(:meth:`RoleHolders.seeing`): exactly those :class:`Access` lets see it from the provider
tree, whatever the app's ``permissions`` and the record's status, so emails skip reading
their memberships and still go to the same people."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.models import Membership, Organisation, User
from miniapps.services.notifications.addressees import as_user
from miniapps.services.notifications.recipients import role_holders
from miniapps.services.permissions import ROLE_ACTIONS, Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app

PERMISSIONS: list[dict[str, Any] | None] = [
    None,
    {"read": ["practice_manager"]},
    {"read": ["icb_viewer", "pcn_manager"], "write": ["practice_staff"]},
    {"write": ["practice_manager"]},
]


@pytest.mark.parametrize("permissions", PERMISSIONS)
@pytest.mark.parametrize("submit", [True, False])
def test_those_seen_by_their_roles_here_are_those_access_lets_see(
    db_session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    permissions: dict[str, Any] | None,
    submit: bool,
) -> None:
    definition = load_example("fridge_log")
    if permissions is not None:
        definition["permissions"] = permissions
    app = publish_app(db_session, definition, [orgs["QWE"]])
    # One user with two memberships here: staff at the practice and viewer at the ICB.
    both = users["practice_staff"]
    both.memberships.append(Membership(organisation=orgs["QWE"], role="icb_viewer"))
    db_session.flush()
    writer = users["platform_admin"]
    record = record_service.create_record(
        db_session,
        Access(writer),
        app,
        orgs["A00001"],
        {"reading": 4.5},
        submit=submit,
        actor=writer,
    )
    holders = role_holders(db_session, record, sorted(ROLE_ACTIONS))
    assert both.id in holders.users and len(holders.users) > 3

    seeing = holders.seeing(record, app)

    access = {user_id: Access(as_user(db_session, user)) for user_id, user in holders.users.items()}
    expected = {user_id for user_id, known in access.items() if known.sees_as_provider(record, app)}
    assert seeing == expected
    assert all(access[user_id].can_see_record(record, app) for user_id in seeing)
    assert users["platform_admin"].id in seeing  # never narrowed by ``permissions``
