"""Analysis widgets (trends, breakdowns by child organisation) and field filters, against
the real database (SQLite or PostgreSQL), with exact numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services.dashboards.automatic import Breakdown, automatic_widgets
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.dashboards.filters import parse_filters
from miniapps.services.permissions import Access
from sqlalchemy import true
from sqlalchemy.orm import Session

from tests.statements import SAVEPOINTS, recorded_statements

DEFINITION: dict[str, Any] = {
    "id": "trend_test",
    "title": "Trend test",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "role": {"type": "string", "enum": ["gp", "nurse"]},
            "grade": {"oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]},
            "alarm": {"type": "boolean"},
            "tags": {"type": "array", "uniqueItems": True, "items": {"enum": ["a", "b"]}},
            "courses": {
                "type": "array",
                "items": {"type": "object", "properties": {"kind": {"enum": ["x", "y"]}}},
            },
        },
    },
}
# (ODS, period, data, status): a PCN-level record counts for the PCN but for no practice.
ROWS = [
    ("A00001", "2025-04", {"reading": 4, "role": "gp", "grade": 2.0, "alarm": True}, "submitted"),
    ("A00001", "2025-05", {"reading": 6, "role": "nurse", "grade": 1}, "approved"),
    ("A00002", "2025-04", {"reading": 3, "role": "gp", "alarm": False}, "submitted"),
    ("A00003", "2025-04", {"reading": 7.25, "role": "gp", "grade": "2"}, "submitted"),
    ("A00003", "2025-05", {"reading": 100, "role": "gp"}, "draft"),
    ("U00001", "2025-05", {"reading": 1}, "submitted"),
]


@pytest.fixture
def trend_app(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, ROWS)


def build(session: Session, **options: Any) -> dict[str, dict[str, Any]]:
    definition = AppDefinition(raw=DEFINITION)
    scope = options.pop("scope", true())
    return {w["id"]: w for w in automatic_widgets(session, definition, scope, **options)}


def test_records_by_period_and_trend(db_session: Session, trend_app: App) -> None:
    found = build(db_session)
    assert found["records_by_period"] == {
        "id": "records_by_period",
        "type": "records_by_period",
        "title": "Records by period",
        "data": {"periods": [{"period": "2025-04", "count": 3}, {"period": "2025-05", "count": 2}]},
    }
    trend = found["/reading#trend"]
    assert (trend["type"], trend["title"]) == ("trend", "Temperature by period")
    assert trend["data"]["periods"] == [
        {"period": "2025-04", "count": 3, "sum": 14.25, "mean": 4.75},
        {"period": "2025-05", "count": 2, "sum": 7, "mean": 3.5},
    ]
    ranged = build(db_session, period_from="2025-05", period_to="2025-05")
    assert ranged["records_by_period"]["data"]["periods"] == [{"period": "2025-05", "count": 2}]


def test_contract_widgets_come_first_and_keep_their_shape(
    db_session: Session, trend_app: App, orgs: dict[str, Organisation]
) -> None:
    breakdown = Breakdown(orgs["U00001"], [orgs["A00001"], orgs["A00002"]])
    found = automatic_widgets(
        db_session,
        AppDefinition(raw=DEFINITION),
        Organisation.path.startswith(orgs["U00001"].path),
        breakdown=breakdown,
    )
    assert [w["id"] for w in found] == [
        "records",
        "/reading",
        "/role",
        "/grade",
        "/alarm",
        "/tags",
        "/courses/-/kind",
        "records_by_period",
        "/reading#trend",
        "records#by_org",
        "/reading#by_org",
    ]
    assert found[0]["data"] == {"total": 4, "by_org": {"A00001": 2, "A00002": 1, "U00001": 1}}
    assert found[1]["data"] == {"count": 4, "sum": 14, "mean": 3.5, "min": 1, "max": 6}


def test_breakdown_by_child_organisation(
    db_session: Session, trend_app: App, orgs: dict[str, Organisation]
) -> None:
    children = [orgs["A00002"], orgs["A00001"]]
    found = build(
        db_session,
        scope=Organisation.path.startswith(orgs["U00001"].path),
        breakdown=Breakdown(orgs["U00001"], children),
    )
    assert found["records#by_org"]["data"] == {
        "parent": {"ods": "U00001", "name": "North PCN", "count": 4, "mean": 1.5},
        "children": [
            {"ods": "A00001", "name": "North Surgery", "type": "practice", "count": 2},
            {"ods": "A00002", "name": "Hill Surgery", "type": "practice", "count": 1},
        ],
    }
    by_org = found["/reading#by_org"]
    assert (by_org["type"], by_org["title"]) == (
        "number_by_org",
        "Temperature by organisation below",
    )
    assert by_org["data"] == {
        "parent": {"ods": "U00001", "name": "North PCN", "count": 4, "sum": 14, "mean": 3.5},
        "children": [
            {
                "ods": "A00001",
                "name": "North Surgery",
                "type": "practice",
                "count": 2,
                "sum": 10,
                "mean": 5.0,
                "min": 4,
                "max": 6,
                "difference": 1.5,
            },
            {
                "ods": "A00002",
                "name": "Hill Surgery",
                "type": "practice",
                "count": 1,
                "sum": 3,
                "mean": 3.0,
                "min": 3,
                "max": 3,
                "difference": -0.5,
            },
        ],
    }


def test_children_without_records_are_listed_last_with_zeros(
    db_session: Session, trend_app: App, orgs: dict[str, Organisation]
) -> None:
    place = Breakdown(orgs["PLC01"], [orgs["U00002"], orgs["U00001"]])
    found = build(db_session, breakdown=place, period_from="2025-05")
    assert [(c["ods"], c["count"]) for c in found["records#by_org"]["data"]["children"]] == [
        ("U00001", 2),
        ("U00002", 0),
    ]
    last = found["/reading#by_org"]["data"]["children"][-1]
    assert last == {
        "ods": "U00002",
        "name": "South PCN",
        "type": "pcn",
        "count": 0,
        "sum": 0,
        "mean": None,
        "min": None,
        "max": None,
        "difference": None,
    }
    assert "records#by_org" not in build(db_session, breakdown=Breakdown(orgs["A00001"], []))


def test_breakdown_is_one_query_however_many_children(
    db_session: Session, trend_app: App, orgs: dict[str, Organisation]
) -> None:
    with recorded_statements(db_session.get_bind(), skip=SAVEPOINTS) as statements:
        practices = [orgs[ods] for ods in ("A00001", "A00002", "A00003", "A00004")]
        build(db_session, breakdown=Breakdown(None, practices))
    # The scope's organisations by id, then every widget of the fields with one value per
    # record (the breakdown included) from one statement (after one small statement that
    # chooses its shape); /tags and /courses/-/kind (one row per item) have one each.
    assert len(statements) == 5
    assert len([s for s in statements if "child_org" in s]) == 1


def test_non_periodic_apps_trend_by_month_submitted(
    db_session: Session, orgs: dict[str, Organisation]
) -> None:
    plain = {**DEFINITION, "id": "plain_trend"}
    del plain["period"]
    app_service.publish(db_session, validate_definition(plain), [orgs["QWE"]], actor=None)
    for reading, submitted, created in (
        (2, datetime(2025, 3, 31, 23, 0), datetime(2025, 3, 1)),
        (4, datetime(2025, 4, 2, 9, 0), datetime(2025, 3, 1)),
        (9, None, datetime(2025, 4, 20)),
    ):
        db_session.add(
            Record(
                app_id="plain_trend",
                app_version=1,
                organisation=orgs["A00001"],
                data={"reading": reading},
                status="submitted",
                submitted_at=submitted,
                created_at=created,
            )
        )
    db_session.flush()
    found = {
        w["id"]: w["data"] for w in automatic_widgets(db_session, AppDefinition(raw=plain), true())
    }
    assert found["records_by_period"]["periods"] == [
        {"period": "2025-03", "count": 1},
        {"period": "2025-04", "count": 2},
    ]
    assert found["/reading#trend"]["periods"][1] == {
        "period": "2025-04",
        "count": 2,
        "sum": 13,
        "mean": 6.5,
    }


def test_field_filters_restrict_every_widget(
    db_session: Session, trend_app: App, orgs: dict[str, Organisation]
) -> None:
    schema = DEFINITION["schema"]
    gp = build(
        db_session,
        filters=parse_filters(schema, {"/role": "gp"}),
        breakdown=Breakdown(orgs["U00001"], [orgs["A00001"], orgs["A00002"]]),
    )
    assert gp["records"]["data"] == {"total": 3, "by_org": {"A00001": 1, "A00002": 1, "A00003": 1}}
    assert gp["/reading"]["data"]["sum"] == 14.25
    assert gp["/role"]["data"] == {"counts": {"gp": 3}}
    assert gp["records_by_period"]["data"]["periods"] == [{"period": "2025-04", "count": 3}]
    assert [c["count"] for c in gp["records#by_org"]["data"]["children"]] == [1, 1]
    # Typed: the number 2.0 matches the choice 2, the string "2" does not.
    two = build(db_session, filters=parse_filters(schema, {"/grade": "2"}))
    assert two["records"]["data"]["by_org"] == {"A00001": 1}
    both = parse_filters(schema, {"/role": "gp", "/alarm": "false"})
    assert build(db_session, filters=both)["records"]["data"]["by_org"] == {"A00002": 1}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"/role_typo": "gp"}, "There is no field /role_typo to filter by"),
        ({"/reading": "4"}, "You cannot filter by /reading"),
        ({"/tags": "a"}, "You cannot filter by /tags"),
        ({"/courses/-/kind": "x"}, "You cannot filter by /courses/-/kind"),
        ({"/role": "dentist"}, "'dentist' is not an answer to Role (/role); use one of: gp, nurse"),
        ({"/alarm": "yes"}, "use one of: true, false"),
    ],
)
def test_bad_filters_name_the_field(raw: dict[str, str], message: str) -> None:
    with pytest.raises(DataInvalid) as caught:
        parse_filters(DEFINITION["schema"], raw)
    assert [i.pointer for i in caught.value.issues] == ["/f"]
    assert message in caught.value.issues[0].message


def test_service_compares_the_level_below(
    db_session: Session, trend_app: App, users: dict[str, User], orgs: dict[str, Organisation]
) -> None:
    def ids(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {w["id"]: w["data"] for w in result["widgets"]}

    pcn = ids(app_dashboard(db_session, Access(users["pcn_manager"]), trend_app, orgs["U00001"]))
    assert [c["ods"] for c in pcn["records#by_org"]["children"]] == ["A00001", "A00002"]
    practice = Access(users["practice_manager"])
    assert "records#by_org" not in ids(
        app_dashboard(db_session, practice, trend_app, orgs["A00001"])
    )
    viewer = ids(app_dashboard(db_session, Access(users["icb_viewer"]), trend_app, None))
    assert viewer["records#by_org"]["parent"]["ods"] is None
    assert viewer["records#by_org"]["children"] == [
        {"ods": "QWE", "name": "Test ICB", "type": "icb", "count": 5}
    ]
    place = app_dashboard(
        db_session, Access(users["icb_viewer"]), trend_app, orgs["PLC01"], filters={"/role": "gp"}
    )
    assert ids(place)["records#by_org"]["children"][0] == {
        "ods": "U00001",
        "name": "North PCN",
        "type": "pcn",
        "count": 2,
    }
