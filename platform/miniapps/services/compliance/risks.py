"""Open risks by band for the Well-led view, from every app with a ``heatmap`` widget.

No app is named: any published app the user may see the figures of at the organisation,
published to it, whose dashboard declares a ``heatmap`` widget (a risk register's
likelihood by impact) counts. The figures are that widget's, from the app's own
dashboard (:func:`~miniapps.services.dashboards.building.app_dashboard`: the same scope,
states and bands), summed by band. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import DASHBOARD, Access, is_targeted


@dataclass(frozen=True)
class RiskBand:
    label: str
    colour: str | None
    count: int


@dataclass(frozen=True)
class RiskPicture:
    app: App
    title: str  # the widget's title
    bands: list[RiskBand]

    @property
    def total(self) -> int:
        return sum(band.count for band in self.bands)


def heatmap_specs(session: Session, app: App) -> list[dict[str, Any]]:
    """The ``heatmap`` widgets ``app``'s latest definition declares."""
    widgets = app_definition(session, app).dashboard.get("widgets") or []
    return [w for w in widgets if w.get("type") == "heatmap"]


def open_risks(session: Session, access: Access, org: Organisation) -> list[RiskPicture]:
    """Each heatmap widget's records at ``org`` (and beneath) by band, for every app the
    user may see the figures of there; bands in the widget's order, empty ones too."""
    pictures: list[RiskPicture] = []
    published = session.scalars(select(App).where(App.status == "published").order_by(App.title))
    for app in published:
        wanted = {spec["id"] for spec in heatmap_specs(session, app)}
        if not wanted or not access.can(DASHBOARD, org, app):
            continue
        if not is_targeted(session, app.id, org):
            continue
        dashboard = app_dashboard(session, access, app, org)
        for widget in dashboard["widgets"]:
            if widget["type"] == "heatmap" and widget["id"] in wanted:
                pictures.append(RiskPicture(app, widget["title"], _bands(widget["data"])))
    return pictures


def _bands(data: dict[str, Any]) -> list[RiskBand]:
    counts: dict[str, int] = {}
    for cell in data["cells"]:
        if cell["band"] is not None:
            counts[cell["band"]] = counts.get(cell["band"], 0) + int(cell["count"])
    return [
        RiskBand(str(band["label"]), band.get("colour"), counts.get(str(band["label"]), 0))
        for band in data["bands"]
    ]
