"""The one-statement roll-up of the automatic dashboard gives exactly what the per-kind
builders give (one statement per widget kind or field, kept for fields inside repeating
sections), on the real database, with ranges, filters, breakdowns and empty scopes."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.dashboards.automatic import Breakdown, automatic_widgets
from miniapps.services.dashboards.filters import parse_filters
from miniapps.services.dashboards.rollup import record_widgets
from miniapps.services.dashboards.trends import (
    build_numbers_by_org,
    build_records_by_org,
    build_records_by_period,
    build_trends,
)
from miniapps.services.dashboards.widgets import (
    WidgetQuery,
    build_number_summaries,
    build_records,
    build_value_counts,
)
from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

DEFINITION: dict[str, Any] = {
    "id": "rollup_test",
    "title": "Roll-up test",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Reading"},
            "visits": {"type": "integer"},
            "ward": {"type": "object", "properties": {"beds": {"type": "integer"}}},
            "role": {"type": "string", "enum": ["gp", "nurse"]},
            "grade": {"oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]},
            "alarm": {"type": "boolean"},
        },
    },
}
# Wrong JSON types ("2", "7", 1 for a boolean) must be ignored exactly as the builders do.
ROWS = [
    ("A00001", "2025-04", {"reading": 4, "visits": 3, "role": "gp", "grade": 2.0, "alarm": True}),
    ("A00001", "2025-05", {"reading": 6.5, "visits": 1, "ward": {"beds": 7}, "role": "nurse"}),
    ("A00002", "2025-04", {"reading": 3, "role": "gp", "alarm": False, "grade": "2"}),
    ("A00003", "2025-04", {"reading": "7", "visits": 0.25, "role": "doctor", "alarm": 1}),
    ("A00003", "2025-06", {"visits": 5, "ward": {"beds": 2}, "grade": 1}),
    ("A00004", "2025-05", {"reading": 100, "role": "gp"}, "draft"),
    ("U00001", "2025-05", {"reading": 1, "role": "nurse", "alarm": True}),
    ("U00002", None, {"reading": 2, "visits": 9}),
]


@pytest.fixture
def rollup_app(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, ROWS)


def reference(
    query: WidgetQuery, breakdown: Breakdown | None, periodic: bool = True
) -> dict[str, dict[str, Any]]:
    """The same widgets from the per-kind builders, by id."""
    fields = list(iter_fields(DEFINITION["schema"]))
    numbers = [f for f in fields if f.kind in ("integer", "number")]
    counted = [f for f in fields if f.kind in ("enum", "boolean")]
    widgets = [build_records(query), build_records_by_period(query, periodic)]
    widgets += build_number_summaries(query, numbers) + build_trends(query, numbers, periodic)
    widgets += [build_value_counts(query, f) for f in counted]
    if breakdown is not None:
        total = widgets[0]["data"]["total"]
        summaries = [(f, w["data"]) for f, w in zip(numbers, widgets[2:], strict=False)]
        widgets.append(build_records_by_org(query, breakdown, total))
        widgets += build_numbers_by_org(query, summaries, breakdown)
    return {w["id"]: w for w in widgets}


def rolled_up(query: WidgetQuery, breakdown: Breakdown | None) -> dict[str, dict[str, Any]]:
    fields = list(iter_fields(DEFINITION["schema"]))
    numbers = [f for f in fields if f.kind in ("integer", "number")]
    counted = [f for f in fields if f.kind in ("enum", "boolean")]
    return record_widgets(query, True, numbers, counted, breakdown)


def query_for(
    session: Session,
    scope: ColumnElement[bool],
    low: str | None = None,
    high: str | None = None,
    filters: dict[str, str] | None = None,
) -> WidgetQuery:
    query = WidgetQuery(session, DEFINITION["id"], scope, low, high)
    query.conditions.extend(
        f.condition(query) for f in parse_filters(DEFINITION["schema"], filters or {})
    )
    return query


@pytest.mark.parametrize(
    ("low", "high", "filters"),
    [
        (None, None, {}),
        ("2025-05", None, {}),
        (None, "2025-04", {"/role": "gp"}),
        (None, None, {"/alarm": "true"}),
        (None, None, {"/grade": "2"}),
    ],
)
def test_rollup_equals_the_per_kind_builders(
    db_session: Session,
    rollup_app: App,
    orgs: dict[str, Organisation],
    low: str | None,
    high: str | None,
    filters: dict[str, str],
) -> None:
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    for scope, breakdown in (
        (true(), None),
        (Organisation.path.startswith(orgs["PLC01"].path), place),
        (Organisation.path.startswith(orgs["U00001"].path), None),
    ):
        query = query_for(db_session, scope, low, high, filters)
        assert rolled_up(query, breakdown) == reference(query, breakdown)


def test_rollup_of_known_figures(
    db_session: Session, rollup_app: App, orgs: dict[str, Organisation]
) -> None:
    found = rolled_up(query_for(db_session, true()), None)
    assert found["records"]["data"] == {
        "total": 7,
        "by_org": {"A00001": 2, "A00002": 1, "A00003": 2, "U00001": 1, "U00002": 1},
    }
    assert found["/reading"]["data"] == {"count": 5, "sum": 16.5, "mean": 3.3, "min": 1, "max": 6.5}
    assert found["/visits"]["data"] == {
        "count": 5,
        "sum": 18.25,
        "mean": 3.65,
        "min": 0.25,
        "max": 9,
    }
    assert found["/ward/beds"]["data"]["sum"] == 9
    assert found["/role"]["data"]["counts"] == {"gp": 2, "nurse": 2, "doctor": 1}
    assert found["/grade"]["data"]["counts"] == {"1": 1, "2": 1}
    assert found["/alarm"]["data"]["counts"] == {"true": 2, "false": 1}
    assert found["records_by_period"]["data"]["periods"] == [
        {"period": "2025-04", "count": 3},
        {"period": "2025-05", "count": 2},
        {"period": "2025-06", "count": 1},
    ]


def test_empty_scope_gives_zeros(db_session: Session, rollup_app: App) -> None:
    query = query_for(db_session, false())
    found = rolled_up(query, None)
    assert found == reference(query, None)
    assert found["records"]["data"] == {"total": 0, "by_org": {}}
    assert found["/reading"]["data"] == {
        "count": 0,
        "sum": 0,
        "mean": None,
        "min": None,
        "max": None,
    }


def test_pinning_organisations_changes_no_figure(
    db_session: Session, rollup_app: App, orgs: dict[str, Organisation]
) -> None:
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    scope = Organisation.path.startswith(orgs["PLC01"].path)
    plain = query_for(db_session, scope)
    pinned = query_for(db_session, scope)
    pinned.pin_organisations()
    unpinnable = query_for(db_session, scope)
    unpinnable.pin_organisations(limit=2)  # the place has 7 organisations: too many to name
    by_subquery = query_for(db_session, scope)
    by_subquery.pin_subtree()
    nobody = query_for(db_session, false())
    nobody.pin_organisations()  # no organisation: an empty list of ids
    assert len(pinned.conditions) == len(plain.conditions) + 1
    assert len(by_subquery.conditions) == len(plain.conditions) + 1
    assert len(unpinnable.conditions) == len(plain.conditions)
    assert rolled_up(pinned, place) == rolled_up(plain, place) == reference(plain, place)
    assert rolled_up(by_subquery, place) == reference(plain, place)
    assert rolled_up(nobody, None)["records"]["data"] == {"total": 0, "by_org": {}}


def test_dashboard_is_the_rollup_in_contract_order(
    db_session: Session, rollup_app: App, orgs: dict[str, Organisation]
) -> None:
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    scope = Organisation.path.startswith(orgs["PLC01"].path)
    widgets = automatic_widgets(db_session, AppDefinition(raw=DEFINITION), scope, breakdown=place)
    expected = reference(query_for(db_session, scope), place)
    assert [w["id"] for w in widgets] == [
        "records",
        "/reading",
        "/visits",
        "/ward/beds",
        "/role",
        "/grade",
        "/alarm",
        "records_by_period",
        "/reading#trend",
        "/visits#trend",
        "/ward/beds#trend",
        "records#by_org",
        "/reading#by_org",
        "/visits#by_org",
        "/ward/beds#by_org",
    ]
    assert {w["id"]: w for w in widgets} == expected


MEANS: dict[str, Any] = {
    "id": "means_test",
    "title": "Means test",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "thirds": {"type": "integer"},
            "halves": {"type": "number"},
            "tenths": {"type": "number"},
            "big": {"type": "integer"},
        },
    },
}
# Means that repeat (4/3, 5/3), that sit on a rounding boundary of the fourth decimal
# (0.0001 / 2, 4.0001 / 2), float noise (0.1 + 0.2) and integers above 2**53, spread
# over children, periods and the parent itself so that the roll-up adds groups up.
MEAN_ROWS = [
    ("A00001", "2025-04", {"thirds": 1, "halves": 0.0001, "tenths": 0.1, "big": 1}),
    ("A00002", "2025-04", {"thirds": 1, "halves": 0, "tenths": 0.2, "big": 1}),
    ("A00003", "2025-04", {"thirds": 2, "halves": 4.0001, "tenths": 0.7}),
    ("A00003", "2025-05", {"thirds": 2, "halves": 0, "tenths": 0.1, "big": 2}),
    ("A00004", "2025-05", {"thirds": 1, "halves": 2.5, "tenths": 0.2, "big": 1}),
    ("U00001", "2025-05", {"thirds": 1, "tenths": 0.3, "big": 9_007_199_254_740_993}),
    ("U00002", None, {"thirds": 2, "halves": 1.00015, "tenths": 0.15, "big": 4}),
]


def sql_avg(query: WidgetQuery, field: Field, period: str | None = None) -> float | None:
    """round(avg, 4) of the field's numbers in SQL, over the query (and one period)."""
    source, value = query.values(field)
    where = [Record.period == period] if period else []
    mean = query.session.scalar(
        select(func.avg(value.number)).select_from(source).where(*query.conditions, *where)
    )
    return None if mean is None else round(float(mean), 4)


def test_means_are_exact_sums_over_counts(
    db_session: Session, seeded_app: Any, orgs: dict[str, Organisation]
) -> None:
    """The roll-up divides the sums it adds up from several groups; every mean (totals,
    trends, children) equals the per-kind builders' and SQL's ``round(avg, 4)``, except
    above 2**53 where SQLite's ``avg`` loses digits and the exact mean is kept."""
    seeded_app(MEANS, MEAN_ROWS)
    fields = list(iter_fields(MEANS["schema"]))
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    pcn = Breakdown(orgs["U00002"], [orgs["A00003"], orgs["A00004"]])
    for scope_org, breakdown in (("PLC01", place), ("U00002", pcn), ("A00003", None)):
        query = WidgetQuery(db_session, MEANS["id"], subtree(orgs[scope_org].path))
        found = record_widgets(query, True, fields, [], breakdown)
        expected = build_number_summaries(query, fields) + build_trends(query, fields, True)
        if breakdown is not None:
            summaries = [(f, w["data"]) for f, w in zip(fields, expected, strict=False)]
            expected += build_numbers_by_org(query, summaries, breakdown)
        assert {w["id"]: found[w["id"]] for w in expected} == {w["id"]: w for w in expected}
        for field in fields[:3]:
            assert found[field.pointer]["data"]["mean"] == sql_avg(query, field)
            for period in found[field.pointer + "#trend"]["data"]["periods"]:
                assert period["mean"] == sql_avg(query, field, period["period"])
    query = WidgetQuery(db_session, MEANS["id"], subtree(orgs["PLC01"].path))
    found = record_widgets(query, True, fields, [], place)
    assert found["/thirds"]["data"]["mean"] == round(10 / 7, 4)
    assert found["/halves"]["data"]["mean"] == round(7.50035 / 6, 4)
    assert found["/tenths"]["data"] == {
        "count": 7,
        "sum": 1.75,
        "mean": 0.25,
        "min": 0.1,
        "max": 0.7,
    }
    april = found["/halves#trend"]["data"]["periods"][0]
    assert april == {"period": "2025-04", "count": 3, "sum": 4.0002, "mean": 1.3334}
    assert found["/big"]["data"] == {
        "count": 6,
        "sum": 9_007_199_254_741_002,
        "mean": 1_501_199_875_790_167.0,  # 9_007_199_254_741_002 / 6, to the nearest float
        "min": 1,
        "max": 9_007_199_254_740_993,
    }
    north = found["/big#by_org"]["data"]["children"][0]
    assert (north["ods"], north["count"], north["sum"]) == ("U00001", 3, 9_007_199_254_740_995)
