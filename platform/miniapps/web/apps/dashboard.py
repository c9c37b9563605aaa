"""The dashboard page: filter by organisation and period, then one panel per widget.

Each panel carries a data table now and the labels/values a chart needs later, so
charts slot in beside the tables without changing the view.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session

from miniapps.core.dashboard import choice_key
from miniapps.core.definitions import AppDefinition
from miniapps.core.errors import DataInvalid
from miniapps.core.schema_fields import find_field
from miniapps.db import db
from miniapps.services import dashboards as dashboard_service
from miniapps.services.organisations import by_ods
from miniapps.services.permissions import READ
from miniapps.services.records import definition_for
from miniapps.web.apps import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

NUMBER_STATS = (
    ("count", "Count"),
    ("sum", "Sum"),
    ("mean", "Mean"),
    ("min", "Minimum"),
    ("max", "Maximum"),
)
BOOLEAN_LABELS = {"true": "Yes", "false": "No"}


@bp.route("/<app_id>/dashboard")
@login_required
def dashboard(app_id: str):  # type: ignore[no-untyped-def]
    app = load_app(app_id)
    access = current_access()
    if "org" in request.args:  # an empty choice means everything the user may read
        ods = request.args.get("org", "").strip()
        org = by_ods(db.session, ods) if ods else None
    else:
        org = current_org()
    filters = {
        "org": org.ods if org else "",
        "from": request.args.get("from", "").strip(),
        "to": request.args.get("to", "").strip(),
    }
    errors: dict[str, str] = {}
    try:
        result = dashboard_service.app_dashboard(
            db.session, access, app, org, filters["from"] or None, filters["to"] or None
        )
    except DataInvalid as exc:
        errors = {issue.pointer.lstrip("/"): issue.message for issue in exc.issues}
        result = {"app": app.id, "org": filters["org"] or None, "widgets": []}
    definition = definition_for(db.session, app)
    page = render_template(
        "apps/dashboard.html",
        app=app,
        org=org,
        filters=filters,
        errors=errors,
        dashboard=result,
        panels=[_panel(db.session, definition, w, filters) for w in result["widgets"]],
        total=_total(result),
        json_url=_json_url(app_id, filters),
        orgs=[o for o in access.orgs(db.session, READ, app) if o.type != "stakeholder"],
    )
    return page, 400 if errors else 200


def _panel(
    session: Session, definition: AppDefinition, widget: dict[str, Any], filters: dict[str, str]
) -> dict[str, Any]:
    """A widget as table cells (for the NHS.UK table macro) plus the chart's labels and values."""
    data = widget["data"]
    if widget["type"] == "records":
        names = dashboard_service.org_names(session, list(data["by_org"]))
        head = ["Organisation", "ODS code", "Records"]
        pairs = [(names.get(ods, ods), n) for ods, n in data["by_org"].items()]
        rows = [
            [
                {"text": names.get(ods, ods), "href": _drill_down(definition.id, ods, filters)},
                {"text": ods},
                _number(n),
            ]
            for ods, n in data["by_org"].items()
        ]
    else:
        if widget["type"] == "number_summary":
            head = ["Measure", "Value"]
            pairs = [(label, data[key]) for key, label in NUMBER_STATS]
        else:
            head = ["Value", "Count"]
            pairs = [
                (label, data["counts"].get(key, 0)) for key, label in _choices(definition, widget)
            ]
        rows = [[{"text": label}, _number(value)] for label, value in pairs]
    for row in rows:  # responsive tables label each cell with its column on small screens
        for cell, heading in zip(row, head, strict=True):
            cell["header"] = heading
    return {
        "id": widget["id"],
        "type": widget["type"],
        "title": widget["title"],
        "head": [
            {"text": text, "format": "numeric" if i == len(head) - 1 else None}
            for i, text in enumerate(head)
        ],
        "rows": rows,
        "chart": {"labels": [label for label, _ in pairs], "values": [v for _, v in pairs]},
    }


def _drill_down(app_id: str, ods: str, filters: dict[str, str]) -> str:
    """The same dashboard for one organisation below (drill down)."""
    args = {**{k: v for k, v in filters.items() if v}, "org": ods}
    return url_for("apps.dashboard", app_id=app_id, **args)


def _number(value: Any) -> dict[str, str]:
    return {"text": _show(value), "format": "numeric"}


def _total(result: dict[str, Any]) -> int | None:
    records = next((w for w in result["widgets"] if w["id"] == "records"), None)
    return records["data"]["total"] if records else None


def _json_url(app_id: str, filters: dict[str, str]) -> str:
    """The same dashboard from the API (the contract path, whoever registers the route)."""
    args = {k: v for k, v in filters.items() if v}
    return f"/api/v1/apps/{quote(app_id)}/dashboard" + (f"?{urlencode(args)}" if args else "")


def _choices(definition: AppDefinition, widget: dict[str, Any]) -> list[tuple[str, str]]:
    """(counts key, label) for every declared choice, then any other value that was counted."""
    field = find_field(definition.schema, widget["id"])
    if field is None:
        declared: list[tuple[str, str]] = []
    elif field.kind == "boolean":
        declared = list(BOOLEAN_LABELS.items())
    else:
        declared = [(choice_key(value), label) for value, label in field.choices]
    known = {key for key, _ in declared}
    extra = [(key, key) for key in widget["data"]["counts"] if key not in known]
    return declared + extra


def _show(value: Any) -> str:
    if value is None:
        return "\N{EN DASH}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
