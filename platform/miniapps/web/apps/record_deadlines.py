"""The record page's deadlines panel (a definition's ``deadlines``): each deadline with
its due date and where it stands, in words and as a coloured tag."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.records.deadlines import DeadlineStatus, long_date
from miniapps.models import App, Record
from miniapps.services.permissions import Access
from miniapps.services.records.deadlines import record_deadlines

# The NHS.UK tag colour of each standing; the words beside it say the same.
TAG_CLASSES = {
    "met": "nhsuk-tag--green",
    "late": "nhsuk-tag--orange",
    "open": "nhsuk-tag--blue",
    "due_soon": "nhsuk-tag--yellow",
    "overdue": "nhsuk-tag--red",
    "missed": "nhsuk-tag--red",
    "not_needed": "nhsuk-tag--grey",
    "not_started": "nhsuk-tag--white",
}
TAG_WORDS = {
    "met": "Met",
    "late": "Met late",
    "open": "Open",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "missed": "Missed",
    "not_needed": "Not needed",
    "not_started": "Not started",
}


def deadline_panel(
    session: Session, access: Access, app: App, record: Record, definition: AppDefinition
) -> dict[str, Any] | None:
    """The panel's context, or None for an app without deadlines. Whoever sees the record
    page may see its deadlines: they say nothing the record does not."""
    if not definition.deadlines:
        return None
    return {"rows": [deadline_row(s) for s in record_deadlines(session, record, definition)]}


def deadline_row(status: DeadlineStatus) -> dict[str, Any]:
    return {
        "id": status.deadline.id,
        "title": status.deadline.title,
        "due": long_date(status.due) if status.due else "Not set yet",
        "standing": status.standing,
        "tag": {"text": TAG_WORDS[status.standing], "classes": TAG_CLASSES[status.standing]},
        "text": status.text,
    }
