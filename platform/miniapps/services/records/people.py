"""Fields naming a person of the record's organisation (the ``person`` widget): the
options the form offers and the check every write path makes.

A person is a user holding a role at the organisation itself (not above it), active
now; the value stored is their email. The form offers them by name and role; the check
(:data:`~miniapps.services.records.stored_checks.DATA_CHECKS`) refuses an email that is
not a current member's, at the field's pointer, so the API and imports hold to the same
rule as the form.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.core.errors import Issue
from miniapps.core.forms.lookup_fields import LookupChoices
from miniapps.core.pointers import pattern_values
from miniapps.models import Membership, Organisation, User
from miniapps.services.permissions import Access

if TYPE_CHECKING:  # stored_checks registers person_issues: no import cycle at load
    from miniapps.services.records.write import Write

PERSON_WIDGET = "person"
ROLE_TITLES = {
    "platform_admin": "platform administrator",
    "icb_viewer": "ICB viewer",
    "pcn_manager": "PCN manager",
    "practice_manager": "practice manager",
    "practice_staff": "practice staff",
    "stakeholder": "stakeholder",
}


@dataclass(frozen=True)
class Person:
    """A user with the roles they hold at one organisation."""

    user_id: int
    email: str
    name: str
    roles: tuple[str, ...]

    @property
    def role_text(self) -> str:
        return ", ".join(ROLE_TITLES.get(role, role) for role in self.roles)


def people_of(session: Session, org_ids: Sequence[int]) -> dict[int, list[Person]]:
    """org id -> its active members (a role held at the organisation itself), by name;
    one statement for any number of organisations."""
    found: dict[int, dict[int, tuple[str, str, list[str]]]] = {org_id: {} for org_id in org_ids}
    if not org_ids:
        return {}
    # Columns, not users: a matrix of a PCN's practices has thousands of people.
    query = (
        select(Membership.organisation_id, Membership.role, User.id, User.email, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id.in_(list(org_ids)), User.active)
        .order_by(User.name, User.id, Membership.role)
    )
    for org_id, role, user_id, email, name in session.execute(query):
        _, _, roles = found[org_id].setdefault(user_id, (email, name, []))
        roles.append(role)
    return {
        org_id: [
            Person(user_id, email.lower(), name, tuple(roles))
            for user_id, (email, name, roles) in members.items()
        ]
        for org_id, members in found.items()
    }


def person_choices(
    session: Session, access: Access, field: Field, org: Organisation
) -> LookupChoices:
    """The people of ``org`` by name and role; the value is their email."""
    people = people_of(session, [org.id]).get(org.id, [])
    return LookupChoices(
        [(p.email, f"{p.name} ({p.role_text})") for p in people],
        prompt="Select a person",
        empty=f"Nobody holds a role at {org.name} yet.",
    )


def person_fields(definition: AppDefinition) -> Iterator[Field]:
    """The fields ``definition`` shows with the ``person`` widget."""
    for pointer, spec in (definition.ui.get("fields") or {}).items():
        if isinstance(spec, dict) and spec.get("widget") == PERSON_WIDGET:
            field = find_field(definition.schema, pointer)
            if field is not None:
                yield field


def person_issues(session: Session, write: Write) -> list[Issue]:
    """An issue at each person field whose value is not the email of a current member of
    the record's organisation (a DATA_CHECKS entry)."""
    given = [
        (pointer, value, field)
        for field in person_fields(write.definition)
        for pointer, value in pattern_values(write.data, field.pointer)
        if isinstance(value, str) and value.strip()
    ]
    if not given:
        return []
    emails = {value.strip().lower() for _, value, _ in given}
    members = set(
        session.scalars(
            select(func.lower(User.email))
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == write.org.id,
                User.active,
                func.lower(User.email).in_(sorted(emails)),
            )
        )
    )
    return [
        Issue(
            pointer,
            f"{field.title}: {value.strip()} is not a current member of {write.org.name} "
            f"({write.org.ods}); choose someone who works there",
            "not_a_member",
        )
        for pointer, value, field in given
        if value.strip().lower() not in members
    ]
