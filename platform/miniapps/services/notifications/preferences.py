"""Per-user email delivery: immediately, or once a day in a digest; per-app overrides.

A user has one default (``users.notification_delivery``) and may override it for any app
they can see. Flush only; the caller's boundary commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from miniapps.core.errors import DataInvalid, Issue
from miniapps.models import DELIVERIES, NotificationPreference, User
from miniapps.models.notification_preference import IMMEDIATE
from miniapps.services.notifications.addressees import Addressee

USE_DEFAULT = "default"  # an app that follows the user's default


@dataclass
class Preferences:
    default: str = IMMEDIATE
    by_app: dict[str, str] = field(default_factory=dict)  # app id -> delivery

    def for_app(self, app_id: str | None) -> str:
        return self.by_app.get(app_id, self.default) if app_id else self.default


def preferences_of(session: Session, user: User) -> Preferences:
    """The user's default and per-app overrides."""
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    return Preferences(
        user.notification_delivery or IMMEDIATE, {row.app_id: row.delivery for row in rows}
    )


def delivery_for(session: Session, user: Addressee, app_id: str | None) -> str:
    """``"immediate"`` or ``"digest"`` for an email to ``user`` about app ``app_id``."""
    if app_id is not None:
        override = session.scalar(
            select(NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id, NotificationPreference.app_id == app_id
            )
        )
        if override is not None:
            return override
    return user.notification_delivery or IMMEDIATE


def save_preferences(
    session: Session,
    user: User,
    default: str | None,
    by_app: Mapping[str, str | None],
    allowed_apps: Iterable[str],
) -> Preferences:
    """Set the default and each app's choice (``"default"`` removes an override).

    ``allowed_apps`` are the apps the user may choose for (those they can see). Nothing is
    changed unless every value is valid; :class:`DataInvalid` names each bad one.
    """
    allowed = set(allowed_apps)
    issues = []
    if default not in DELIVERIES:
        issues.append(Issue("/default", "Choose how you want to get emails"))
    for app_id, choice in by_app.items():
        if app_id not in allowed:
            issues.append(Issue(f"/apps/{app_id}", "There is no such app for you"))
        elif choice not in (*DELIVERIES, USE_DEFAULT):
            issues.append(Issue(f"/apps/{app_id}", "Choose how you want to get emails"))
    if issues:
        raise DataInvalid(issues)
    assert default is not None
    user.notification_delivery = default
    session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.app_id.in_(list(by_app)),
        )
    )
    for app_id, choice in by_app.items():
        if choice != USE_DEFAULT:
            session.add(NotificationPreference(user_id=user.id, app_id=app_id, delivery=choice))
    session.flush()
    return preferences_of(session, user)
