"""``GET /api/v1/apps/{id}/indicators``: hand-checked figures for a PCN from two practices'
records, and every refusal (401, 403, 404, 400, 422) as documented JSON."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from miniapps.core.definitions.loading import validate_definition
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.web.api.openapi_spec import openapi_document

FIELDS = ("can04_num", "can04_den", "can04_pca", "rx_num", "rx_den", "ht_num", "ht_den")
DEFINITION: dict[str, Any] = {
    "id": "pcn_iif",
    "title": "PCN indicators",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            **{name: {"type": "integer", "minimum": 0} for name in FIELDS},
            "list_size": {"type": "integer", "minimum": 1, "title": "Registered list size"},
        },
    },
    "indicator_settings": {"value_per_point": 200, "national_average_list_size": 50000},
    "indicators": [
        {
            "code": "CAN-04",
            "title": "FIT before lower-GI referral",
            "numerator": "/can04_num",
            "denominator": "/can04_den",
            "exclusions": "/can04_pca",
            "lower_threshold": 0.65,
            "upper_threshold": 0.80,
            "direction": "higher",
            "max_points": 22,
            "value_per_point": 198.0,
        },
        {  # lower is better; £ per point from indicator_settings
            "code": "RX-01",
            "title": "Prescribing rate",
            "numerator": "/rx_num",
            "denominator": "/rx_den",
            "lower_threshold": 0.30,
            "upper_threshold": 0.20,
            "direction": "lower",
            "max_points": 10,
        },
        {
            "code": "LS-01",
            "title": "List-size adjusted",
            "numerator": "/ht_num",
            "denominator": "/ht_den",
            "lower_threshold": 0.50,
            "upper_threshold": 0.90,
            "direction": "higher",
            "max_points": 10,
            "adjustment": "list_size",
            "list_size": "/list_size",
        },
        {
            "code": "PV-01",
            "title": "List-size and prevalence adjusted",
            "numerator": "/ht_num",
            "denominator": "/ht_den",
            "lower_threshold": 0.40,
            "upper_threshold": 0.70,
            "direction": "higher",
            "max_points": 20,
            "value_per_point": 198.0,
            "adjustment": "list_size_and_prevalence",
            "national_prevalence": 0.005,
        },
    ],
}
PERIOD = "2025-06"
URL = "/api/v1/apps/pcn_iif/indicators"


@pytest.fixture
def iif_app(db_session, orgs, users):
    """Published to the ICB, with one June return from each North PCN practice."""
    published = app_service.publish(
        db_session, validate_definition(DEFINITION), [orgs["QWE"]], actor=None
    )
    admin = users["platform_admin"]
    returns = {
        "A00001": {"can04_num": 30, "can04_den": 40, "can04_pca": 3, "rx_num": 5, "rx_den": 20,
                   "ht_num": 40, "ht_den": 50, "list_size": 10000},
        "A00002": {"can04_num": 42, "can04_den": 60, "can04_pca": 2, "rx_num": 20, "rx_den": 80,
                   "ht_num": 50, "ht_den": 100, "list_size": 15000},
    }  # fmt: skip
    for ods, data in returns.items():
        record_service.create_record(
            db_session,
            Access(admin),
            published.app,
            orgs[ods],
            data,
            period=PERIOD,
            submit=True,
            actor=admin,
        )
    db_session.commit()
    return published.app


def check(schema_name: str, instance: Any) -> None:
    """``instance`` is valid against the OpenAPI document's ``schema_name``."""
    schema = {**openapi_document(), "$ref": f"#/components/schemas/{schema_name}"}
    errors = list(Draft202012Validator(schema).iter_errors(instance))
    assert not errors, [e.message for e in errors]


def test_pcn_figures_hand_checked(client: FlaskClient, users, token, iif_app) -> None:
    response = client.get(f"{URL}?org=U00001&period={PERIOD}", headers=token(users["pcn_manager"]))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    check("IndicatorResults", answer)
    assert (answer["org"], answer["period"]) == ("U00001", PERIOD)
    rows = {row["code"]: row for row in answer["indicators"]}
    assert list(rows) == ["CAN-04", "RX-01", "LS-01", "PV-01"]

    # CAN-04: 72 / 100 from summed counts (not the mean of 75 % and 70 %); amber.
    # points = 22 * (0.72 - 0.65) / 0.15 = 10.2667; £ = 10.2667 * 198 = 2032.80 of 4356.00;
    # to_upper = ceil(80 - 72) = 8; £ per patient = 4356 / (0.15 * 100) = 290.40.
    can04 = rows["CAN-04"]
    assert (can04["numerator"], can04["denominator"], can04["exclusions"]) == (72, 100, 5)
    assert (can04["achievement"], can04["rag"], can04["points"]) == (0.72, "amber", 10.27)
    assert (can04["lower_threshold"], can04["upper_threshold"], can04["max_points"]) == (
        0.65,
        0.80,
        22,
    )
    assert (can04["earned"], can04["potential"], can04["remaining"]) == (2032.80, 4356.00, 2323.20)
    assert (can04["to_lower"], can04["to_upper"], can04["value_per_patient"]) == (0, 8, 290.40)

    # RX-01 (lower is better): 25 / 100; points = 10 * (0.30 - 0.25) / 0.10 = 5 at the
    # default £200 a point; 5 patients off the numerator reach 20 %; 2000 / (0.1 * 100) = 200.
    rx = rows["RX-01"]
    assert (rx["achievement"], rx["rag"], rx["points"]) == (0.25, "amber", 5)
    assert (rx["earned"], rx["potential"], rx["remaining"]) == (1000.00, 2000.00, 1000.00)
    assert (rx["to_lower"], rx["to_upper"], rx["value_per_patient"]) == (0, 5, 200.00)

    # LS-01: 90 / 150 = 0.6; points = 10 * 0.1 / 0.4 = 2.5; list size 10000 + 15000 over
    # the national 50000 = 0.5, so £100 a point; to_upper = ceil(135 - 90) = 45;
    # £ per patient = 1000 / (0.4 * 150) = 16.67.
    ls = rows["LS-01"]
    assert (ls["achievement"], ls["points"], ls["adjustment_applied"]) == (0.6, 2.5, True)
    assert (ls["earned"], ls["potential"], ls["remaining"]) == (250.00, 1000.00, 750.00)
    assert (ls["to_upper"], ls["value_per_patient"]) == (45, 16.67)

    # PV-01: factor = den / (national list size * national prevalence) = 150 / 250 = 0.6;
    # points = 20 * 0.2 / 0.3 = 13.33; £ = 13.333 * 198 * 0.6 = 1584.00 of 2376.00;
    # to_upper = ceil(105 - 90) = 15; £ per patient = 2376 / (0.3 * 150) = 52.80.
    pv = rows["PV-01"]
    assert (pv["points"], pv["earned"], pv["potential"]) == (13.33, 1584.00, 2376.00)
    assert (pv["remaining"], pv["to_upper"], pv["value_per_patient"]) == (792.00, 15, 52.80)


def test_a_practice_sees_its_own_figures(client: FlaskClient, users, token, iif_app) -> None:
    response = client.get(
        f"{URL}?org=a00001&period={PERIOD}", headers=token(users["practice_manager"])
    )
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.get_json()["indicators"]}
    assert response.get_json()["org"] == "A00001"
    assert (rows["CAN-04"]["numerator"], rows["CAN-04"]["denominator"]) == (30, 40)
    # list size 10000 / 50000 = 0.2: £40 a point; 40 / 50 = 0.8 gives 7.5 points
    assert (rows["LS-01"]["points"], rows["LS-01"]["earned"]) == (7.5, 300.00)


def test_a_month_without_records_has_no_eligible_patients(
    client: FlaskClient, users, token, iif_app
) -> None:
    response = client.get(f"{URL}?org=U00001&period=2025-07", headers=token(users["pcn_manager"]))
    assert response.status_code == 200
    check("IndicatorResults", response.get_json())
    for row in response.get_json()["indicators"]:
        assert (row["achievement"], row["rag"], row["earned"], row["to_upper"]) == (
            None,
            "none",
            0,
            None,
        )


@pytest.mark.parametrize(
    ("user", "org"),
    [
        ("pcn_manager", "U00002"),  # another PCN
        ("practice_manager_2", "U00001"),  # a practice in another PCN
        ("practice_manager", "U00001"),  # a practice may not see its PCN's figures
    ],
)
def test_another_organisation_is_forbidden(client, users, token, iif_app, user, org) -> None:
    response = client.get(f"{URL}?org={org}&period={PERIOD}", headers=token(users[user]))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    check("Error", response.get_json())


def test_unknown_organisation_and_app_are_404(client, users, token, iif_app) -> None:
    headers = token(users["pcn_manager"])
    unknown_org = client.get(f"{URL}?org=ZZZ99&period={PERIOD}", headers=headers)
    assert unknown_org.status_code == 404
    assert unknown_org.get_json()["error"] == "unknown_organisation"
    unknown_app = client.get(
        f"/api/v1/apps/no_such_app/indicators?org=U00001&period={PERIOD}", headers=headers
    )
    assert unknown_app.status_code == 404 and unknown_app.get_json()["error"] == "not_found"
    # an app the caller cannot see is not found either, whatever the parameters
    hidden = client.get(f"{URL}?org=U00001", headers=token(users["stakeholder"]))
    assert hidden.status_code == 404
    for response in (unknown_org, unknown_app, hidden):
        check("Error", response.get_json())


@pytest.mark.parametrize("period", ["2025-13", "2025-Q1", "2025", "June"])
def test_a_period_that_is_not_a_month_is_422(client, users, token, iif_app, period) -> None:
    response = client.get(f"{URL}?org=U00001&period={period}", headers=token(users["pcn_manager"]))
    assert response.status_code == 422
    body = response.get_json()
    check("ValidationError", body)
    assert [e["pointer"] for e in body["errors"]] == ["/period"]


@pytest.mark.parametrize(
    ("query", "pointers"),
    [
        ("", ["/org", "/period"]),
        ("?org=U00001", ["/period"]),
        ("?period=2025-06&org=%20", ["/org"]),
    ],
)
def test_org_and_period_are_required(client, users, token, iif_app, query, pointers) -> None:
    response = client.get(f"{URL}{query}", headers=token(users["pcn_manager"]))
    assert response.status_code == 422
    body = response.get_json()
    check("ValidationError", body)
    assert body["error"] == "invalid_request"
    assert [e["pointer"] for e in body["errors"]] == pointers


@pytest.mark.parametrize(
    "query",
    ["?org=U00001&period=2025-06&from=2025-04", "?org=U00001&org=U00002&period=2025-06"],
)
def test_unknown_or_repeated_parameters_are_400(client, users, token, iif_app, query) -> None:
    response = client.get(f"{URL}{query}", headers=token(users["pcn_manager"]))
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_no_token_is_401(client: FlaskClient, iif_app) -> None:
    response = client.get(f"{URL}?org=U00001&period={PERIOD}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    check("Error", response.get_json())
    bad = client.get(
        f"{URL}?org=U00001&period={PERIOD}", headers={"Authorization": "Bearer nonsense"}
    )
    assert bad.status_code == 401
