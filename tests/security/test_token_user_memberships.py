"""The one statement that reads a token, its user and their memberships loads every
membership (a joined collection read with ``first()`` must not stop at the first row):
a user who holds three roles keeps all three, so no permission is lost or mixed up."""

from __future__ import annotations

from miniapps.models import Organisation
from miniapps.services.users import create_user
from miniapps.services.users.tokens import create_token, token_user
from miniapps.services.users.units import within
from sqlalchemy.orm import Session


def test_a_token_users_every_membership_is_loaded(
    db_session: Session, orgs: dict[str, Organisation]
) -> None:
    first, second, third = list(orgs.values())[:3]
    email = "three.roles@example.nhs.uk"
    user = create_user(
        db_session, email, "Three Roles", "long-enough-password", "practice_manager", first
    )
    create_user(db_session, email, "Three Roles", None, "pcn_manager", second)
    create_user(db_session, email, "Three Roles", None, "icb_viewer", third)
    token = create_token(db_session, user, days=30)
    db_session.commit()
    db_session.expunge_all()  # nothing remembered: the statement must load it all
    found, check = token_user(db_session, within(db_session), token)
    assert found is not None, check
    held = sorted((m.organisation_id, m.role) for m in found.memberships)
    assert held == sorted(
        [(first.id, "practice_manager"), (second.id, "pcn_manager"), (third.id, "icb_viewer")]
    )
