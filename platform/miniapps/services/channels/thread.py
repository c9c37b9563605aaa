"""The record's comments are the channel's two-way thread: a comment from one side
tells the other side's people (a link, never the text) and the stakeholders' webhooks."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from miniapps.models import Comment, Record, User
from miniapps.services.channels.sending import stakeholder_users, touch_items
from miniapps.services.notifications.addressees import Addressee
from miniapps.services.notifications.events import (
    SUBMITTER,
    queue_notification,
    recipients_for,
    record_context,
)
from miniapps.services.permissions import Access

# Who hears of a stakeholder's comment on the provider side.
PROVIDER_PEOPLE = (SUBMITTER, "practice_manager", "pcn_manager")


def on_comment(
    session: Session,
    access: Access,
    record: Record,
    comment: Comment,
    actor: User,
    base_url: str | None,
    already_told: Iterable[int] = (),
) -> list[Addressee]:
    """After ``comment`` joined the thread of a record held as channel items: mark the
    items changed, queue ``item.comment`` for webhooks, email the other side. Returns
    who was emailed."""
    if not record.channel_items:
        return []
    touch_items(session, record, "item.comment")
    if not base_url:
        return []
    skip = set(already_told) | {actor.id}
    people: list[Addressee]
    if access.holds_item(record) and not access.sees_as_provider(record):
        people = recipients_for(session, record, PROVIDER_PEOPLE, exclude=actor)
    else:
        found: dict[int, User] = {}
        for item in record.channel_items:
            found.update((u.id, u) for u in stakeholder_users(session, item.stakeholder_id))
        people = list(found.values())
    people = [u for u in people if u.id not in skip]
    titles = {item.channel for item in record.channel_items}
    context = {
        **record_context(session, record, base_url=base_url, actor=actor),
        "kind": "comment",
        "channel_title": ", ".join(sorted(titles)),
        "stakeholder_name": "",
        "comment_id": comment.id,
    }
    queue_notification(
        session, "channel_item", recipients=people, context=context, record=record, urgent=True
    )
    return people
