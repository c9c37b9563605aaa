"""Tabs of an app's own navigation that a definition member turns on: an app with
``compliance`` gets its compliance view, one with ``documents`` its library, and so on.

An explicit registry: each capability's page adds its tab here. A tab shows when the
app's latest definition holds ``member``, its page is registered, and ``visible`` (when
given) lets the signed-in user see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from miniapps.models import App
from miniapps.services.permissions import Access
from miniapps.web.apps.blueprint import bp
from miniapps.web.session_user import current_access


@dataclass(frozen=True)
class AppTab:
    id: str  # the nav's ``active`` value on the tab's own page
    title: str
    endpoint: str  # "apps.compliance": called with app_id only
    member: str  # the definition member that turns it on
    visible: Callable[[Access, App], bool] | None = None


TABS: list[AppTab] = [
    AppTab("compliance", "Compliance", "apps.compliance", "compliance"),
    AppTab("practices", "Practices", "apps.compliance_heatmap", "compliance"),
    AppTab("well_led", "Well-led", "apps.well_led", "compliance"),
    AppTab("library", "Library", "apps.library", "documents"),
    AppTab("actions", "Actions", "apps.follow_ups", "follow_ups"),
    AppTab("matrix", "Matrix", "apps.matrix", "matrix"),
]


@bp.app_template_global("app_tabs")
def app_tabs(app: App) -> list[AppTab]:
    """The member-driven tabs ``app`` shows the current user, in registry order."""
    latest = app.versions[-1].definition if app.versions else {}
    access = current_access()
    return [
        tab
        for tab in TABS
        if tab.member in latest
        and tab.endpoint in current_app.view_functions
        and (tab.visible is None or tab.visible(access, app))
    ]
