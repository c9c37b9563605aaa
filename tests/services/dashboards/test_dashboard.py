"""The automatic dashboard query layer, against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record, User
from miniapps.services import apps as app_service
from miniapps.services.dashboards.automatic import WIDGET_TYPES, automatic_widgets
from miniapps.services.dashboards.building import app_dashboard, period_bounds
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access, Forbidden
from sqlalchemy import and_, event, true
from sqlalchemy.orm import Session

from tests.publishing import publish_app

DEFINITION: dict[str, Any] = {
    "id": "dash_test",
    "title": "Dashboard test",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "reading": {"type": "number", "title": "Temperature"},
            "doses": {"type": "integer"},
            "state": {"type": "string", "enum": ["ok", "warm", "cold"]},
            "grade": {"oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]},
            "alarm": {"type": "boolean"},
            "note": {"type": "string"},
            "symptoms": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "enum": ["cough", "fever", "rash"]},
            },
            "check": {
                "type": "object",
                "properties": {"probe": {"type": "number"}, "sealed": {"type": "boolean"}},
            },
            "courses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "hours": {"type": "number"},
                        "completed": {"type": "boolean"},
                    },
                },
            },
        },
    },
}


@pytest.fixture
def dash_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_app(db_session, DEFINITION, [orgs["QWE"]], commit=False)


@pytest.fixture
def add(db_session: Session, dash_app: App, orgs: dict[str, Organisation]):
    """Store a record directly (bypassing validation, to plant wrong-typed values)."""

    def make(ods: str, data: dict[str, Any], status: str = "submitted", period: str | None = None):
        record = Record(
            app_id=dash_app.id,
            app_version=1,
            organisation=orgs[ods],
            data=data,
            status=status,
            period=period,
        )
        db_session.add(record)
        db_session.flush()
        return record

    return make


def widgets(
    session: Session,
    scope: Any = None,
    period_from: str | None = None,
    period_to: str | None = None,
) -> dict[str, dict[str, Any]]:
    found = automatic_widgets(
        session,
        AppDefinition(raw=DEFINITION),
        true() if scope is None else scope,
        period_from,
        period_to,
    )
    return {w["id"]: w for w in found}


def within(org: Organisation) -> Any:
    return Organisation.path.startswith(org.path)


def test_widget_list_follows_the_schema(db_session: Session, dash_app: App) -> None:
    found = automatic_widgets(db_session, AppDefinition(raw=DEFINITION), true())
    assert [(w["id"], w["type"]) for w in found] == [
        ("records", "records"),
        ("/reading", "number_summary"),
        ("/doses", "number_summary"),
        ("/state", "value_counts"),
        ("/grade", "value_counts"),
        ("/alarm", "value_counts"),
        ("/symptoms", "value_counts"),
        ("/check/probe", "number_summary"),
        ("/check/sealed", "value_counts"),
        ("/courses/-/hours", "number_summary"),
        ("/courses/-/completed", "value_counts"),
        # Analysis widgets follow the contract widgets (see test_dashboard_trends.py).
        ("records_by_period", "records_by_period"),
        ("/reading#trend", "trend"),
        ("/doses#trend", "trend"),
        ("/check/probe#trend", "trend"),
        ("/courses/-/hours#trend", "trend"),
    ]
    assert found[1]["title"] == "Temperature"
    assert all(set(w) == {"id", "type", "title", "data"} for w in found)
    assert set(WIDGET_TYPES) == {"records", "number_summary", "value_counts"}


def test_empty_dashboard(db_session: Session, dash_app: App) -> None:
    found = widgets(db_session)
    assert found["records"]["data"] == {"total": 0, "by_org": {}}
    assert found["/reading"]["data"] == {
        "count": 0,
        "sum": 0,
        "mean": None,
        "min": None,
        "max": None,
    }
    assert found["/state"]["data"] == {"counts": {}}


def test_numbers_exact_and_drafts_excluded(db_session: Session, add) -> None:
    add("A00001", {"reading": 4.5, "doses": 10})
    add("A00001", {"reading": 5.5, "doses": 20}, status="approved")
    add("A00003", {"reading": 2, "doses": 3})
    add("A00003", {"reading": 100, "doses": 1000}, status="draft")
    found = widgets(db_session)
    assert found["records"]["data"] == {"total": 3, "by_org": {"A00001": 2, "A00003": 1}}
    assert found["/reading"]["data"] == {"count": 3, "sum": 12.0, "mean": 4.0, "min": 2, "max": 5.5}
    doses = found["/doses"]["data"]
    assert doses == {"count": 3, "sum": 33, "mean": 11.0, "min": 3, "max": 20}
    assert isinstance(doses["sum"], int) and isinstance(doses["min"], int)


def test_float_sums_have_no_noise_and_mean_is_rounded(db_session: Session, add) -> None:
    for value in (0.1, 0.2, 0.2):
        add("A00001", {"reading": value})
    data = widgets(db_session)["/reading"]["data"]
    assert data["sum"] == 0.5
    assert data["mean"] == 0.1667


def test_enum_and_boolean_counts(db_session: Session, add) -> None:
    add("A00001", {"state": "ok", "alarm": True, "grade": 2, "symptoms": ["cough", "fever"]})
    add("A00002", {"state": "ok", "alarm": False, "grade": 1, "symptoms": ["fever"]})
    add("A00003", {"state": "cold", "alarm": True, "grade": 2, "symptoms": []})
    add("A00004", {"state": "warm", "alarm": True}, status="draft")
    found = widgets(db_session)
    assert found["/state"]["data"] == {"counts": {"ok": 2, "cold": 1}}
    assert found["/alarm"]["data"] == {"counts": {"true": 2, "false": 1}}
    assert found["/grade"]["data"] == {"counts": {"1": 1, "2": 2}}
    assert found["/symptoms"]["data"] == {"counts": {"cough": 1, "fever": 2}}


def test_wrong_typed_values_are_ignored(db_session: Session, add) -> None:
    add("A00001", {"reading": 3, "alarm": True, "state": "ok", "grade": 1})
    add("A00001", {"reading": "7", "alarm": "true", "state": 5, "grade": "2"})
    add("A00001", {"reading": True, "alarm": 1, "state": True, "grade": True})
    add("A00001", {"reading": None, "alarm": None, "state": None, "symptoms": "cough"})
    add("A00001", {"reading": {"v": 1}, "alarm": [True], "symptoms": [1, True, "rash", None]})
    add("A00001", {"courses": {"hours": 5}, "check": "sealed"})
    add("A00001", {"courses": [1, "x", None, [2], {"hours": "3", "completed": "false"}]})
    found = widgets(db_session)
    assert found["records"]["data"]["total"] == 7
    assert found["/reading"]["data"] == {"count": 1, "sum": 3, "mean": 3.0, "min": 3, "max": 3}
    assert found["/alarm"]["data"] == {"counts": {"true": 1}}
    assert found["/state"]["data"] == {"counts": {"ok": 1}}
    assert found["/grade"]["data"] == {"counts": {"1": 1}}
    assert found["/symptoms"]["data"] == {"counts": {"rash": 1}}
    assert found["/courses/-/hours"]["data"]["count"] == 0
    assert found["/courses/-/completed"]["data"] == {"counts": {}}
    assert found["/check/probe"]["data"]["count"] == 0


def test_values_outside_the_choices_of_the_right_type_are_kept(db_session: Session, add) -> None:
    add("A00001", {"state": "ok", "grade": 2.0})
    add("A00001", {"state": "retired_value", "grade": 3})
    counts = widgets(db_session)
    assert counts["/state"]["data"] == {"counts": {"ok": 1, "retired_value": 1}}
    assert counts["/grade"]["data"] == {"counts": {"2": 1, "3": 1}}


def test_nested_and_repeating_fields(db_session: Session, add) -> None:
    add(
        "A00001",
        {
            "check": {"probe": 3.5, "sealed": True},
            "courses": [{"hours": 2, "completed": True}, {"hours": 4, "completed": False}],
        },
    )
    add(
        "A00002",
        {
            "check": {"probe": 4.5, "sealed": False},
            "courses": [{"hours": 6, "completed": True}, {"completed": True}],
        },
    )
    add("A00003", {"check": {"probe": 99}, "courses": [{"hours": 100}]}, status="draft")
    found = widgets(db_session)
    assert found["/check/probe"]["data"] == {
        "count": 2,
        "sum": 8.0,
        "mean": 4.0,
        "min": 3.5,
        "max": 4.5,
    }
    assert found["/check/sealed"]["data"] == {"counts": {"true": 1, "false": 1}}
    assert found["/courses/-/hours"]["data"] == {
        "count": 3,
        "sum": 12,
        "mean": 4.0,
        "min": 2,
        "max": 6,
    }
    assert found["/courses/-/completed"]["data"] == {"counts": {"true": 3, "false": 1}}


def test_period_filter(db_session: Session, add) -> None:
    add("A00001", {"reading": 1}, period="2025-03")
    add("A00001", {"reading": 2}, period="2025-04")
    add("A00001", {"reading": 4}, period="2025-05")
    add("A00001", {"reading": 8}, period="2025-06")
    add("A00001", {"reading": 16})  # no period
    assert widgets(db_session)["/reading"]["data"]["sum"] == 31
    ranged = widgets(db_session, period_from="2025-04", period_to="2025-05")
    assert ranged["/reading"]["data"]["sum"] == 6
    assert ranged["records"]["data"]["total"] == 2
    assert widgets(db_session, period_from="2025-05")["/reading"]["data"]["sum"] == 12
    assert widgets(db_session, period_to="2025-04")["/reading"]["data"]["sum"] == 3
    assert (
        widgets(db_session, period_from="2025-04", period_to="2025-04")["records"]["data"]["total"]
        == 1
    )


def test_scope_limits_to_an_org_subtree(
    db_session: Session,
    add,
    orgs: dict[str, Organisation],
) -> None:
    add("A00001", {"reading": 1, "courses": [{"hours": 1}]})
    add("A00002", {"reading": 2, "courses": [{"hours": 2}]})
    add("A00003", {"reading": 4, "courses": [{"hours": 4}]})
    north = widgets(db_session, within(orgs["U00001"]))
    assert north["records"]["data"] == {"total": 2, "by_org": {"A00001": 1, "A00002": 1}}
    assert north["/reading"]["data"]["sum"] == 3
    assert north["/courses/-/hours"]["data"]["sum"] == 3
    practice = widgets(db_session, and_(within(orgs["QWE"]), within(orgs["A00003"])))
    assert practice["records"]["data"] == {"total": 1, "by_org": {"A00003": 1}}
    assert widgets(db_session, within(orgs["LA001"]))["records"]["data"]["total"] == 0


def test_other_apps_records_are_not_counted(
    db_session: Session,
    add,
    orgs: dict[str, Organisation],
) -> None:
    other = {**DEFINITION, "id": "other_app"}
    app_service.publish(db_session, validate_definition(other), [orgs["QWE"]], actor=None)
    db_session.flush()
    db_session.add(
        Record(
            app_id="other_app",
            app_version=1,
            organisation=orgs["A00001"],
            data={"reading": 50},
            status="submitted",
        )
    )
    add("A00001", {"reading": 1})
    assert widgets(db_session)["/reading"]["data"]["sum"] == 1


# The service over the query layer: contract object, permission, period bounds.


def test_app_dashboard_contract_and_permission(
    db_session: Session,
    add,
    dash_app: App,
    users: dict[str, User],
    orgs: dict[str, Organisation],
) -> None:
    add("A00001", {"reading": 1})
    add("A00003", {"reading": 2})
    manager = Access(users["practice_manager"])
    result = app_dashboard(db_session, manager, dash_app, orgs["A00001"])
    assert set(result) == {"app", "org", "widgets"}
    assert (result["app"], result["org"]) == ("dash_test", "A00001")
    assert result["widgets"][0]["data"] == {"total": 1, "by_org": {"A00001": 1}}
    everything_readable = app_dashboard(db_session, manager, dash_app, None)
    assert everything_readable["org"] is None
    assert everything_readable["widgets"][0]["data"]["by_org"] == {"A00001": 1}
    with pytest.raises(Forbidden):
        app_dashboard(db_session, manager, dash_app, orgs["A00003"])
    with pytest.raises(Forbidden):
        app_dashboard(db_session, manager, dash_app, orgs["U00001"])
    viewer = app_dashboard(db_session, Access(users["icb_viewer"]), dash_app, orgs["PLC01"])
    assert viewer["widgets"][0]["data"]["total"] == 2


def test_app_dashboard_follows_the_latest_version(
    db_session: Session,
    add,
    dash_app: App,
    users: dict[str, User],
    orgs: dict[str, Organisation],
) -> None:
    """The definition comes from the app's versions the permission check loaded (no
    statement of its own), and a version published in the same session is seen."""
    add("A00001", {"reading": 1, "visits": 4})
    admin = Access(users["platform_admin"])
    first = app_dashboard(db_session, admin, dash_app, orgs["QWE"])
    assert "/visits" not in [w["id"] for w in first["widgets"]]
    statements: list[str] = []

    def seen(state: Any) -> None:
        statements.append(str(state.statement))

    event.listen(db_session, "do_orm_execute", seen)
    assert app_definition(db_session, dash_app).version == 1
    event.remove(db_session, "do_orm_execute", seen)
    assert statements == []
    properties = {**DEFINITION["schema"]["properties"], "visits": {"type": "integer"}}
    second = {
        **DEFINITION,
        "version": 2,
        "schema": {**DEFINITION["schema"], "properties": properties},
    }
    app_service.publish(db_session, validate_definition(second), [orgs["QWE"]], actor=None)
    db_session.flush()
    assert app_definition(db_session, dash_app).version == 2
    widgets = {
        w["id"]: w for w in app_dashboard(db_session, admin, dash_app, orgs["QWE"])["widgets"]
    }
    assert widgets["/visits"]["data"]["sum"] == 4


@pytest.mark.parametrize(
    ("frequency", "bounds", "expected"),
    [
        ("monthly", ("2025-04", "2025-06"), ("2025-04", "2025-06")),
        ("monthly", ("2025", "2025"), ("2025-01", "2025-12")),
        ("monthly", ("2025-Q2", "2025-Q3"), ("2025-04", "2025-09")),
        ("quarterly", ("2025-05", "2025-12"), ("2025-Q2", "2025-Q4")),
        ("quarterly", ("2025-Q1", None), ("2025-Q1", None)),
        ("yearly", ("2024-07", "2025-Q1"), ("2024", "2025")),
        ("weekly", ("2025-01", "2025-W10"), ("2025-W01", "2025-W10")),
        ("none", ("2025-04", None), ("2025-04", None)),
        ("monthly", (None, " "), (None, None)),
    ],
)
def test_period_bounds_restated_in_the_apps_format(
    frequency: str, bounds: tuple[str | None, str | None], expected: tuple[str | None, str | None]
) -> None:
    definition = AppDefinition(raw={**DEFINITION, "period": {"frequency": frequency}})
    assert period_bounds(definition, *bounds) == expected


@pytest.mark.parametrize(
    ("bounds", "pointers"),
    [
        (("April", None), ["/from"]),
        ((None, "2025-13"), ["/to"]),
        (("2025-Q5", "25"), ["/from", "/to"]),
        (("2025-06", "2025-04"), ["/to"]),
        (("2025-W54", None), ["/from"]),
    ],
)
def test_bad_periods_name_their_parameter(
    bounds: tuple[str | None, str | None], pointers: list[str]
) -> None:
    with pytest.raises(DataInvalid) as caught:
        period_bounds(AppDefinition(raw=DEFINITION), *bounds)
    assert [issue.pointer for issue in caught.value.issues] == pointers


def test_repeats_within_repeats_and_multi_selects_within_repeats(
    db_session: Session, orgs: dict[str, Organisation]
) -> None:
    nested = {
        "id": "nested_dash",
        "title": "Nested",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {
                "visits": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "tags": {
                                "type": "array",
                                "uniqueItems": True,
                                "items": {"enum": ["new", "urgent"]},
                            },
                            "doses": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"ml": {"type": "number"}},
                                },
                            },
                        },
                    },
                }
            },
        },
    }
    definition = validate_definition(nested)
    app_service.publish(db_session, definition, [orgs["QWE"]], actor=None)
    for data in (
        {"visits": [{"tags": ["new"], "doses": [{"ml": 1.5}, {"ml": 2}]}, {"tags": "urgent"}]},
        {"visits": [{"tags": ["new", "urgent"], "doses": [{"ml": 0.5}, "x", {"ml": "9"}]}]},
    ):
        db_session.add(
            Record(
                app_id="nested_dash",
                app_version=1,
                organisation=orgs["A00002"],
                data=data,
                status="submitted",
            )
        )
    db_session.flush()
    found = {w["id"]: w["data"] for w in automatic_widgets(db_session, definition, true())}
    assert found["/visits/-/tags"] == {"counts": {"new": 2, "urgent": 1}}
    assert found["/visits/-/doses/-/ml"] == {
        "count": 3,
        "sum": 4.0,
        "mean": 1.3333,
        "min": 0.5,
        "max": 2,
    }
