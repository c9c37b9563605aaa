"""Panels of the record page that a definition member turns on (a document's versions,
an audit's actions, a complaint's deadlines, the organisation a peer review is about).

An explicit registry: each capability adds one :class:`RecordPanel`. ``build`` answers
the template's context for the record, or None when there is nothing to show the user;
the template is included with that context as ``panel``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.models import App, Record
from miniapps.services.documents.pages import versions_panel
from miniapps.services.follow_ups.listing import follow_ups_panel
from miniapps.services.permissions import Access
from miniapps.services.records.lookups import references_panel
from miniapps.web.apps.record_deadlines import deadline_panel

PanelBuilder = Callable[[Session, Access, App, Record, AppDefinition], dict[str, Any] | None]


@dataclass(frozen=True)
class RecordPanel:
    template: str  # "apps/_record_follow_ups.html"
    build: PanelBuilder


PANELS: list[RecordPanel] = [
    RecordPanel("apps/_record_references.html", references_panel),
    RecordPanel("apps/_record_deadlines.html", deadline_panel),
    RecordPanel("apps/_record_follow_ups.html", follow_ups_panel),
    RecordPanel("apps/_record_document.html", versions_panel),
]


def record_panels(
    session: Session, access: Access, app: App, record: Record, definition: AppDefinition
) -> list[tuple[str, dict[str, Any]]]:
    """``(template, panel)`` for every panel with something to show on ``record``."""
    shown: list[tuple[str, dict[str, Any]]] = []
    for panel in PANELS:
        context = panel.build(session, access, app, record, definition)
        if context is not None:
            shown.append((panel.template, context))
    return shown
