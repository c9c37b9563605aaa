"""A document library's settings (the definition's ``documents`` member, with defaults)
and one document's facts (read from its record's data through those settings)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from miniapps.core.pointers import value_at

# The roles of the platform (the meta-schema's $defs/role; a test keeps them the same).
ROLE_NAMES = (
    "platform_admin",
    "icb_viewer",
    "pcn_manager",
    "practice_manager",
    "practice_staff",
    "stakeholder",
)
DEFAULT_SIGN_ROLES = ("practice_staff", "practice_manager")
DEFAULT_REVIEW_MONTHS = 12
DEFAULT_READOPT_DAYS = 30
DEFAULT_REMIND_DAYS = (60, 30, 7)
DEFAULT_SIGN_TARGET = 95.0
# Domain rule: no controlled document goes more than three years without a review.
MAX_REVIEW_MONTHS = 36


@dataclass(frozen=True)
class DocumentFacts:
    """What the engine needs of one document's record data."""

    title: str
    category: str | None
    owner: str | None
    sign_roles: tuple[str, ...]
    review_months: int


@dataclass(frozen=True)
class LibrarySettings:
    """The ``documents`` member of a definition, defaults filled in."""

    title: str
    category: str | None = None
    owner: str | None = None
    sign_roles: tuple[str, ...] = DEFAULT_SIGN_ROLES
    sign_roles_field: str | None = None
    review_months: int = DEFAULT_REVIEW_MONTHS
    review_months_field: str | None = None
    readopt_days: int = DEFAULT_READOPT_DAYS
    remind_days: tuple[int, ...] = DEFAULT_REMIND_DAYS
    sign_target: float = DEFAULT_SIGN_TARGET

    @classmethod
    def from_member(cls, member: Mapping[str, Any]) -> LibrarySettings:
        """Settings of a (validated) ``documents`` member."""
        return cls(
            title=str(member["title"]),
            category=member.get("category"),
            owner=member.get("owner"),
            sign_roles=tuple(member.get("sign_roles") or DEFAULT_SIGN_ROLES),
            sign_roles_field=member.get("sign_roles_field"),
            review_months=int(member.get("review_months", DEFAULT_REVIEW_MONTHS)),
            review_months_field=member.get("review_months_field"),
            readopt_days=int(member.get("readopt_days", DEFAULT_READOPT_DAYS)),
            # Largest first: the 60-day reminder comes before the 30-day one.
            remind_days=tuple(sorted(member.get("remind_days") or DEFAULT_REMIND_DAYS)[::-1]),
            sign_target=float(member.get("sign_target", DEFAULT_SIGN_TARGET)),
        )

    def facts(
        self, data: Mapping[str, Any], fallback_title: str = "Untitled document"
    ) -> DocumentFacts:
        """One document's facts from its record ``data``: a field left empty falls back
        to the library's own setting (sign roles, review months)."""
        title = value_at(data, self.title)
        roles = value_at(data, self.sign_roles_field) if self.sign_roles_field else None
        months = value_at(data, self.review_months_field) if self.review_months_field else None
        return DocumentFacts(
            title=str(title).strip() if title not in (None, "") else fallback_title,
            category=_text(value_at(data, self.category)) if self.category else None,
            owner=_text(value_at(data, self.owner)) if self.owner else None,
            sign_roles=tuple(roles) if isinstance(roles, list) and roles else self.sign_roles,
            review_months=months
            if isinstance(months, int) and not isinstance(months, bool) and months > 0
            else self.review_months,
        )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def add_months(day: date, months: int) -> date:
    """``day`` moved on by ``months`` calendar months; the 31st becomes the month's last
    day where the month is shorter (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def review_date_problem(review_due: date, published: date) -> str | None:
    """Why ``review_due`` cannot be the review date of a version published on
    ``published`` (None when it can): not in the past, at most three years ahead."""
    if review_due < published:
        when = f"{review_due.day} {review_due:%B %Y}"
        return f"The review date must not be in the past ({when} has gone)"
    if review_due > add_months(published, MAX_REVIEW_MONTHS):
        return (
            "The review date must be within 3 years: every controlled document is reviewed "
            "at least every 3 years"
        )
    return None
