"""One-time links: only a hash is stored, a link works once and not after it expires, the
email goes through the outbox with the configured base URL, and a deactivated account's
sign-in and API tokens stop working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from miniapps.models import Invitation, OutboxMessage
from miniapps.services.admin import people
from miniapps.services.admin.scope import admin_scope
from miniapps.services.invitations import (
    LinkUnusable,
    PasswordInvalid,
    accept_link,
    issue_link,
    usable_link,
)
from miniapps.services.permissions import Access
from miniapps.services.users import create_token, create_user, user_for_token
from miniapps.services.users.sign_in import sign_in
from miniapps.services.users.throttle import ThrottlePolicy
from miniapps.services.users.units import within
from miniapps.services.users.user_sessions import SessionPolicy
from sqlalchemy import select

BASE = "https://miniapps.example.nhs.uk"
NEW_PASSWORD = "a new password for me"


def signs_in(session, email: str, password: str) -> int | None:
    """The id of the user ``email`` and ``password`` sign in as, else None."""
    result = sign_in(
        within(session), email, password, "127.0.0.1", ThrottlePolicy(), SessionPolicy()
    )
    return result.user_id if result is not None else None


@pytest.fixture
def invitee(db_session, orgs):
    return create_user(
        db_session, "invitee@example.nhs.uk", "In Vitee", None, "practice_staff", orgs["A00001"]
    )


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_the_link_is_emailed_with_the_base_url_and_only_its_hash_is_stored(
    db_session, invitee, users
):
    link = issue_link(
        db_session, invitee, "invite", actor=users["platform_admin"], base_url=BASE + "/"
    )
    assert link.url.startswith(BASE + "/invitations/")
    token = token_of(link.url)
    stored = db_session.scalars(select(Invitation)).one()
    assert token not in (stored.token_hash,) and len(stored.token_hash) == 64
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_user_id == invitee.id)
    ).one()
    assert message.subject == "Set your password for miniapps"
    assert link.url in message.body_text and link.url in (message.body_html or "")
    assert "Platform Admin has invited you" in message.body_text


def test_a_link_works_once(db_session, invitee):
    token = token_of(issue_link(db_session, invitee, "invite", actor=None, base_url=BASE).url)
    user = accept_link(db_session, token, NEW_PASSWORD, NEW_PASSWORD)
    assert user == invitee
    assert signs_in(db_session, invitee.email, NEW_PASSWORD) == invitee.id
    with pytest.raises(LinkUnusable):
        accept_link(db_session, token, "another password 123", "another password 123")
    assert signs_in(db_session, invitee.email, NEW_PASSWORD) == invitee.id


def test_a_link_expires(db_session, invitee):
    issued_at = datetime(2025, 4, 1, 9, tzinfo=UTC)
    token = token_of(
        issue_link(db_session, invitee, "invite", actor=None, base_url=BASE, now=issued_at).url
    )
    assert usable_link(db_session, token, now=issued_at + timedelta(days=6, hours=23))
    with pytest.raises(LinkUnusable):
        accept_link(
            db_session,
            token,
            NEW_PASSWORD,
            NEW_PASSWORD,
            now=issued_at + timedelta(days=7, seconds=1),
        )
    assert invitee.password_hash is None


def test_reset_links_last_a_day_and_a_new_link_retires_the_old_one(db_session, invitee):
    issued_at = datetime(2025, 4, 1, 9, tzinfo=UTC)
    first = token_of(
        issue_link(db_session, invitee, "reset", actor=None, base_url=BASE, now=issued_at).url
    )
    with pytest.raises(LinkUnusable):
        usable_link(db_session, first, now=issued_at + timedelta(hours=24, seconds=1))
    second = token_of(
        issue_link(db_session, invitee, "reset", actor=None, base_url=BASE, now=issued_at).url
    )
    db_session.expire_all()
    with pytest.raises(LinkUnusable):
        usable_link(db_session, first, now=issued_at + timedelta(minutes=1))
    assert usable_link(db_session, second, now=issued_at + timedelta(minutes=1))


def test_unknown_links_and_bad_passwords_are_refused(db_session, invitee):
    with pytest.raises(LinkUnusable):
        usable_link(db_session, "not-a-token")
    token = token_of(issue_link(db_session, invitee, "invite", actor=None, base_url=BASE).url)
    with pytest.raises(PasswordInvalid) as short:
        accept_link(db_session, token, "short", "short")
    assert short.value.issues[0].pointer == "/password"
    with pytest.raises(PasswordInvalid) as mismatch:
        accept_link(db_session, token, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.value.issues[0].pointer == "/confirm"
    assert accept_link(db_session, token, NEW_PASSWORD, NEW_PASSWORD) == invitee  # still usable


def test_deactivated_account_cannot_sign_in_use_tokens_or_links(db_session, users, password):
    person = users["practice_manager"]
    token = create_token(db_session, person)
    link = token_of(issue_link(db_session, person, "reset", actor=None, base_url=BASE).url)
    assert user_for_token(db_session, token) == person
    people.set_active(db_session, admin_scope(Access(users["platform_admin"])), person, False)
    assert signs_in(db_session, person.email, password) is None
    assert user_for_token(db_session, token) is None
    with pytest.raises(LinkUnusable):
        usable_link(db_session, link)
