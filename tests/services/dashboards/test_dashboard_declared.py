"""Widgets declared in a definition's ``dashboard``: exact numbers on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import meta_schema_enum, validate_definition
from miniapps.models import App, Organisation, User
from miniapps.services import apps as app_service
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.dashboards.declared import CHART_KINDS, DECLARED_WIDGETS, MAP_NOTE
from miniapps.services.indicators.results import indicator_results
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.sample_definitions import TEST_INDICATOR

WIDGETS: list[dict[str, Any]] = [
    {"id": "total", "type": "metric", "title": "Returns"},
    {
        "id": "mean_reading",
        "type": "metric",
        "title": "Mean temperature",
        "field": "/reading",
        "aggregate": "mean",
        "group_by": "period",
    },
    {
        "id": "sum_by_period",
        "type": "chart",
        "chart": "line",
        "title": "Temperature sum",
        "field": "/reading",
        "aggregate": "sum",
        "group_by": "period",
    },
    {
        "id": "ranked",
        "type": "chart",
        "chart": "ranked_bar",
        "title": "Temperature by practice",
        "field": "/reading",
        "aggregate": "mean",
    },
    {
        "id": "states",
        "type": "chart",
        "chart": "stacked_bar",
        "title": "States by month",
        "field": "/state",
        "group_by": "period",
    },
    {"id": "state_pie", "type": "chart", "chart": "pie", "title": "States", "group_by": "/state"},
    {"id": "by_org", "type": "chart", "chart": "bar", "title": "Returns", "group_by": "org"},
    {
        "id": "latest",
        "type": "table",
        "title": "Latest",
        "columns": ["/reading", "/state"],
        "limit": 2,
    },
    {"id": "ind", "type": "indicator", "title": "Indicator", "indicator": "IND-1"},
    {"id": "where", "type": "map", "title": "Where", "field": "/reading", "aggregate": "max"},
]
DEFINITION: dict[str, Any] = {
    "id": "declared_dash",
    "title": "Declared dashboard",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "state": {
                "title": "State",
                "oneOf": [{"const": "ok", "title": "In range"}, {"const": "warm", "title": "Warm"}],
            },
            "num": {"type": "integer"},
            "den": {"type": "integer"},
        },
    },
    "indicators": [TEST_INDICATOR],
    "dashboard": {"widgets": WIDGETS},
}
RECORDS = [
    ("A00001", "2025-04", {"reading": 4, "state": "ok", "num": 6, "den": 10}, "submitted"),
    ("A00001", "2025-05", {"reading": 6, "state": "warm", "num": 7, "den": 10}, "submitted"),
    ("A00001", "2025-06", {"reading": 90, "state": "warm", "num": 9, "den": 10}, "draft"),
    ("A00002", "2025-04", {"reading": 3, "state": "ok", "num": 2, "den": 10}, "submitted"),
    ("A00002", "2025-05", {"reading": 5.5, "state": "warm", "num": 7, "den": 10}, "submitted"),
    ("A00003", "2025-05", {"reading": 10, "state": "ok", "num": 1, "den": 10}, "submitted"),
]


@pytest.fixture
def dash_app(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, RECORDS)


def test_registry_matches_the_meta_schema() -> None:
    assert set(DECLARED_WIDGETS) == set(meta_schema_enum("/$defs/widget/properties/type/enum"))
    assert set(CHART_KINDS) == set(meta_schema_enum("/$defs/widget/properties/chart/enum"))


def _declared(
    db_session: Session, user: User, app: App, org: Organisation | None, **kw: Any
) -> dict[str, Any]:
    result = app_dashboard(db_session, Access(user), app, org, **kw)
    ids = [w["id"] for w in result["widgets"]]
    assert ids[0] == "records"  # the contract widgets come first and stay
    assert ids[-len(WIDGETS) :] == [w["id"] for w in WIDGETS]
    for widget in result["widgets"][-len(WIDGETS) :]:
        assert set(widget) == {"id", "type", "title", "data"}
    return {w["id"]: w for w in result["widgets"][-len(WIDGETS) :]}


def test_declared_widgets_exact_numbers(
    db_session: Session, dash_app: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = _declared(db_session, users["pcn_manager"], dash_app, orgs["U00001"])
    assert got["total"]["type"] == "metric"
    assert got["total"]["data"]["value"] == 4
    assert got["mean_reading"]["data"] == {
        "aggregate": "mean",
        "field": "/reading",
        "value": 5.75,
        "period": "2025-05",
        "comparison": {"period": "2025-04", "value": 3.5, "difference": 2.25},
    }
    line = got["sum_by_period"]["data"]
    assert line["keys"] == ["2025-04", "2025-05"]
    assert line["datasets"] == [{"label": "Sum of Temperature", "values": [7, 11.5]}]
    ranked = got["ranked"]["data"]
    assert ranked["group_by"] == "org"
    assert ranked["keys"] == ["A00001", "A00002"]
    assert ranked["labels"] == ["North Surgery", "Hill Surgery"]
    assert ranked["datasets"][0]["values"] == [5.0, 4.25]
    assert ranked["average"] == 4.625
    stacked = got["states"]["data"]
    assert stacked["keys"] == ["2025-04", "2025-05"]
    assert stacked["datasets"] == [
        {"label": "In range", "values": [2, 0]},
        {"label": "Warm", "values": [0, 2]},
    ]
    pie = got["state_pie"]["data"]
    assert (pie["keys"], pie["datasets"][0]["values"]) == (["ok", "warm"], [2, 2])
    assert got["by_org"]["data"]["datasets"][0]["values"] == [2, 2]
    table = got["latest"]["data"]
    assert table["columns"] == [
        {"pointer": "/reading", "title": "Temperature"},
        {"pointer": "/state", "title": "State"},
    ]
    assert [r["period"] for r in table["rows"]] == ["2025-05", "2025-05"]
    assert sorted(r["values"][0] for r in table["rows"]) == [5.5, 6]
    assert got["where"]["data"] == {
        "aggregate": "max",
        "field": "/reading",
        "organisations": [
            {"ods": "A00002", "name": "Hill Surgery", "type": "practice", "value": 5.5},
            {"ods": "A00001", "name": "North Surgery", "type": "practice", "value": 6},
        ],
        "note": MAP_NOTE,
    }


def test_indicator_panel_uses_the_engine_for_the_latest_period(
    db_session: Session, dash_app: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    access = Access(users["pcn_manager"])
    got = _declared(db_session, users["pcn_manager"], dash_app, orgs["U00001"])
    data = got["ind"]["data"]
    engine = indicator_results(db_session, access, dash_app, orgs["U00001"], "2025-05")
    assert data == {
        **engine["indicators"][0],
        "org": "U00001",
        "org_name": "North PCN",
        "period": "2025-05",
    }
    # 14 of 20 = 70 %: amber, 2/3 of the way from 50 % to 80 % of 10 points at £100.
    assert (data["numerator"], data["denominator"], data["achievement"]) == (14, 20, 0.7)
    assert (data["rag"], data["points"]) == ("amber", 6.67)
    assert (data["earned"], data["potential"], data["remaining"]) == (666.67, 1000.0, 333.33)
    assert (data["to_lower"], data["to_upper"]) == (0, 2)
    # A period range picks the latest month within it.
    april = _declared(
        db_session, users["pcn_manager"], dash_app, orgs["U00001"], period_to="2025-04"
    )
    assert april["ind"]["data"]["period"] == "2025-04"
    assert april["ind"]["data"]["achievement"] == 0.4
    assert april["ind"]["data"]["rag"] == "red"


def test_practice_scope_and_unavailable_indicator(
    db_session: Session, dash_app: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = _declared(db_session, users["practice_manager"], dash_app, orgs["A00001"])
    assert got["total"]["data"]["value"] == 2
    assert got["ranked"]["data"]["keys"] == []  # nothing below a practice
    assert got["ind"]["data"]["achievement"] == 0.7
    everything = _declared(db_session, users["icb_viewer"], dash_app, None, period_from="2026-01")
    assert everything["total"]["data"]["value"] == 0
    assert everything["mean_reading"]["data"]["value"] is None
    assert everything["ind"]["data"]["unavailable"].startswith("There are no submitted records")


def test_replace_automatic_keeps_the_contract_widgets_in_the_json(
    db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    definition = {
        **DEFINITION,
        "id": "declared_only",
        "dashboard": {"replace_automatic": True, "widgets": WIDGETS[:1]},
    }
    app = app_service.publish(
        db_session, validate_definition(definition), [orgs["QWE"]], actor=None
    ).app
    result = app_dashboard(db_session, Access(users["icb_viewer"]), app, orgs["QWE"])
    ids = [w["id"] for w in result["widgets"]]
    assert ids[0] == "records" and "/reading" in ids and ids[-1] == "total"
