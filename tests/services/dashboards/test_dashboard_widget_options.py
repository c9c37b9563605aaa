"""Declared widgets' ``where``, ``group_by: "month"`` and ``"aggregate": "items"``:
figures worked out by hand from ``tests/dashboard_widgets_data.py``, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import meta_schema_enum
from miniapps.models import App, Organisation, User
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.dashboards.declared_figures import AGGREGATES, ITEMS
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.dashboard_widgets_data import seed_incidents
from tests.statements import recorded_statements

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


@pytest.fixture
def incidents(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return seed_incidents(db_session, orgs)


def widgets(
    db_session: Session, user: User, app: App, org: Organisation | None, **kw: Any
) -> dict[str, Any]:
    result = app_dashboard(db_session, Access(user), app, org, **kw)
    return {w["id"]: w["data"] for w in result["widgets"]}


def test_aggregates_match_the_meta_schema() -> None:
    assert {*AGGREGATES, ITEMS} == set(meta_schema_enum("/$defs/widget/properties/aggregate/enum"))


def test_where_in_sql_and_in_python(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = widgets(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    # Seven records are not drafts; four are patient safety events (R1, R2, R4, R7).
    assert got["ps_total"]["value"] == 4
    # Without "required" a record that does not answer kind matches too (R8): the
    # condition language's own rule, kept in SQL.
    assert got["ps_loose"]["value"] == 5
    # anyOf is evaluated in Python: severe R1 and moderate R4.
    assert got["serious"]["value"] == 2
    # The PCN manager's scope: the Python test runs over their records only (R1 of R1, R2,
    # R3, R7).
    mine = widgets(db_session, users["pcn_manager"], incidents, orgs["U00001"])
    assert (mine["ps_total"]["value"], mine["serious"]["value"]) == (3, 1)


def test_month_groups_are_london_months_none_missing(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = widgets(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    events = got["by_month"]
    assert events["group_by"] == "month"
    # R2 at 23:30Z on 31 January is January; R3 at 23:30Z on 31 March is 00:30 BST on
    # 1 April; March has no records and is listed with 0.
    assert events["keys"] == events["labels"] == MONTHS
    assert events["datasets"] == [{"label": "Count of records", "values": [2, 2, 0, 3]}]
    harm = got["harm_by_month"]
    assert harm["keys"] == MONTHS
    assert harm["datasets"] == [
        {"label": "No harm", "values": [0, 1, 0, 0]},
        {"label": "Low", "values": [1, 0, 0, 0]},
        {"label": "Moderate", "values": [0, 0, 0, 1]},
        {"label": "Severe", "values": [1, 0, 0, 0]},
    ]
    # The latest month's patient safety events (R4), against March's none.
    assert got["ps_month"] == {
        "aggregate": "count",
        "field": None,
        "value": 1,
        "period": "2026-04",
        "comparison": {"period": "2026-03", "value": 0, "difference": 1},
    }
    # A table grouped by month gives each row its month (newest first).
    assert got["serious_list"]["rows"] == [
        {"ods": "A00003", "period": None, "month": "2026-04", "values": ["patient_safety"]},
        {"ods": "A00001", "period": None, "month": "2026-01", "values": ["patient_safety"]},
    ]


def test_items_of_a_repeating_section(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = widgets(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    # done is false: R1 1, R2 1, R4 2 (the draft R6's never counts).
    assert got["open_actions"] == {
        "aggregate": "items",
        "field": "/actions",
        "value": 4,
        "period": None,
        "comparison": None,
    }
    # In Python ("not"): every item not marked done, R1's item without done too.
    assert got["open_actions_python"]["value"] == 5
    # In SQL without "required": the item without done matches as well, as in Python.
    assert got["items_loose"]["value"] == 5
    by_org = got["actions_by_org"]
    assert (by_org["aggregate"], by_org["keys"]) == ("items", ["U00001", "U00002"])
    # North PCN: R1 3 + R2 1 + R7 1; South PCN: R4 2.
    assert by_org["datasets"] == [{"label": "Items of Actions", "values": [5, 2]}]
    by_month = got["open_by_month"]
    assert by_month["keys"] == MONTHS
    assert by_month["datasets"][0]["values"] == [2, 0, 0, 2]


def test_filters_and_periods_still_apply(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got = widgets(
        db_session, users["icb_viewer"], incidents, orgs["PLC01"], filters={"/harm": "severe"}
    )
    assert (got["ps_total"]["value"], got["serious"]["value"]) == (1, 1)
    assert got["open_actions"]["value"] == 1
    assert got["by_month"]["keys"] == ["2026-01"]  # the axis is the filtered records' months


def test_where_costs_nothing_without_it(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    """A simple where adds no statement; a Python one adds one, shared by the widgets
    with the same condition; the month axis is one statement for the whole dashboard."""
    with recorded_statements(db_session.get_bind()) as statements:
        widgets(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    reads = [s for s in statements if "records.data" in s and "GROUP BY" not in s.upper()]
    python_where = [s for s in reads if "SELECT records.id, records.data" in s]
    assert len(python_where) == 1  # "serious" and "serious_list" share it
    month_axes = [s for s in statements if "min(coalesce(" in s.lower()]
    assert len(month_axes) == 1
