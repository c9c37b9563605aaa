"""Whom an email goes to: a user object, or the few columns of a user an email needs as
the role holders' statement reads them
(:func:`~miniapps.services.notifications.recipients.role_holders`), without loading an
object for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, joinedload

from miniapps.models import User


class Addressee(Protocol):
    """Whom an email goes to: a :class:`~miniapps.models.User` or a :class:`Person`."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def notification_delivery(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Person:
    """A user as the role holders' statement reads them: what an email needs."""

    id: int
    email: str
    name: str
    active: bool
    notification_delivery: str


def as_user(session: Session, addressee: Addressee) -> User:
    """The user ``addressee`` is, with their memberships (one statement for a
    :class:`Person` whose user is not loaded yet)."""
    if isinstance(addressee, User):
        return addressee
    user = session.get(User, addressee.id, options=[joinedload(User.memberships)])
    assert user is not None, "a person read with their user"
    return user
