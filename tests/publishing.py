"""Publishing a test definition: the one helper the tests share (plain function, no fixture)."""

from __future__ import annotations

from datetime import date
from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from sqlalchemy.orm import Session


def publish_app(
    session: Session,
    raw: dict[str, Any],
    targets: list[Organisation],
    *,
    since: date | None = None,
    commit: bool = True,
    **options: Any,
) -> App:
    """Validate ``raw``, publish it to ``targets`` (targeted from ``since``) as the platform
    and return the app; committed unless ``commit=False`` (then flushed)."""
    published = app_service.publish(
        session, validate_definition(raw), targets, None, targeted_from=since, **options
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return published.app
