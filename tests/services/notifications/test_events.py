"""Record notifications: recipients by role and submitter, the permission filter, content."""

from __future__ import annotations

from collections.abc import Iterable

from miniapps.models import OutboxMessage, User
from miniapps.services.notifications.addressees import Addressee, Person
from miniapps.services.notifications.events import (
    queue_notification,
    recipients_for,
    record_context,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

BASE_URL = "https://miniapps.example.nhs.uk"


def ids(people: Iterable[Addressee]) -> list[int]:
    return [person.id for person in people]


def person(user: User) -> Person:
    return Person(user.id, user.email, user.name, user.active, user.notification_delivery)


def test_recipients_are_role_holders_at_and_above_the_organisation(
    submitted_reading, db_session: Session
) -> None:
    record = submitted_reading
    approvers = recipients_for(db_session, record, ["practice_manager", "pcn_manager"])
    # pm2 manages a practice in the other PCN: not told about A00001's record.
    assert {u.email for u in approvers} == {"pm@example.nhs.uk", "pcn@example.nhs.uk"}


def test_submitter_is_the_one_who_submitted_and_the_actor_is_left_out(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    assert recipients_for(db_session, record, ["submitter"]) == [users["practice_staff"]]
    assert recipients_for(db_session, record, ["submitter"], exclude=users["practice_staff"]) == []


def test_inactive_users_are_not_told(submitted_reading, db_session: Session, users) -> None:
    record = submitted_reading
    users["practice_manager"].active = False
    told = ids(recipients_for(db_session, record, ["practice_manager"]))
    assert users["practice_manager"].id not in told


def test_queue_notification_skips_those_who_may_not_see_the_record(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    context = record_context(db_session, record, base_url=BASE_URL, actor=users["practice_staff"])
    everyone = [users["practice_manager"], users["practice_manager_2"], users["stakeholder"]]

    queued = queue_notification(
        db_session, "record_submitted", recipients=everyone, context=context, record=record
    )

    [message] = queued
    assert isinstance(message, OutboxMessage)
    assert message.to_address == "pm@example.nhs.uk"
    assert message.to_user_id == users["practice_manager"].id
    assert message.subject == "Vaccine fridge log from North Surgery is waiting for approval"
    assert f"{BASE_URL}/apps/fridge_log/records/{record.id}" in message.body_text
    assert "9.5" not in message.body_text and "9.5" not in (message.body_html or "")


def test_people_read_as_plain_rows_are_checked_through_their_memberships_too(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    context = record_context(db_session, record, base_url=BASE_URL)
    everyone = [person(users[key]) for key in ("practice_manager", "stakeholder")]
    db_session.expunge(users["stakeholder"])  # their user and memberships read again

    queued = queue_notification(
        db_session, "record_submitted", recipients=everyone, context=context, record=record
    )

    [message] = queued  # the stakeholder may not see the practice's record
    assert isinstance(message, OutboxMessage)
    assert message.to_user_id == users["practice_manager"].id


def test_a_dedupe_key_makes_a_reminder_once_per_recipient(
    submitted_reading, db_session: Session
) -> None:
    record = submitted_reading
    context = record_context(db_session, record, base_url=BASE_URL)
    managers = recipients_for(db_session, record, ["practice_manager", "pcn_manager"])
    key = f"reminder:fridge_log:A00001:{record.period}:due"
    first = queue_notification(
        db_session, "record_status_changed", recipients=managers, context=context, dedupe_key=key
    )
    again = queue_notification(
        db_session, "record_status_changed", recipients=managers, context=context, dedupe_key=key
    )
    assert len(first) == 2 and again == []
    keys = set(db_session.scalars(select(OutboxMessage.dedupe_key)))
    assert keys == {f"{key}:user:{u.id}" for u in managers}


def test_a_platform_admin_is_told_only_when_named(
    submitted_reading, db_session: Session, users
) -> None:
    record = submitted_reading
    managers = ids(recipients_for(db_session, record, ["practice_manager"]))
    assert managers == [users["practice_manager"].id]
    assert ids(recipients_for(db_session, record, ["platform_admin"])) == [
        users["platform_admin"].id
    ]
