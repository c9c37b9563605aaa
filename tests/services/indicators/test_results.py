"""Indicator results against the real database: counts summed in SQL over the tree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DataInvalid
from miniapps.core.indicators.planning import easy_wins
from miniapps.services import apps as app_service
from miniapps.services.indicators.results import indicator_results, indicator_trend, results_for
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle as record_service

PERIOD = "2025-06"
DEFINITION: dict[str, Any] = {
    "id": "indicator_test",
    "title": "Indicator test",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            name: {"type": "integer", "minimum": 0}
            for name in ("can04_num", "can04_den", "can04_pca", "rx_num", "rx_den")
        },
    },
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
        {
            "code": "RX-01",
            "title": "Prescribing rate (lower is better)",
            "numerator": "/rx_num",
            "denominator": "/rx_den",
            "lower_threshold": 0.30,
            "upper_threshold": 0.20,
            "direction": "lower",
            "max_points": 10,
        },
    ],
}


@pytest.fixture
def indicator_app(db_session, orgs):
    published = app_service.publish(
        db_session, validate_definition(DEFINITION), [orgs["QWE"]], actor=None
    )
    db_session.commit()
    return published.app


@pytest.fixture
def add(db_session, users, orgs, indicator_app):
    """Store a record: ``add("A00001", can04_num=30, can04_den=40)``."""
    admin = users["platform_admin"]

    def store(ods: str, period: str = PERIOD, submit: bool = True, **data: int) -> None:
        record_service.create_record(
            db_session,
            Access(admin),
            indicator_app,
            orgs[ods],
            data,
            period=period,
            submit=submit,
            actor=admin,
        )
        db_session.flush()

    return store


def rows(db_session, user, app, org, period=PERIOD, **kwargs):
    answer = indicator_results(db_session, Access(user), app, org, period, **kwargs)
    assert answer["org"] == org.ods and answer["period"] == period
    return {row["code"]: row for row in answer["indicators"]}


def test_pcn_result_uses_summed_counts(db_session, users, orgs, indicator_app, add):
    add("A00001", can04_num=30, can04_den=40, can04_pca=3, rx_num=5, rx_den=20)
    add("A00002", can04_num=42, can04_den=60, can04_pca=2, rx_num=20, rx_den=80)
    can04 = rows(db_session, users["pcn_manager"], indicator_app, orgs["U00001"])["CAN-04"]
    # 72 / 100, not the mean of 75 % and 70 %
    assert (can04["numerator"], can04["denominator"], can04["exclusions"]) == (72, 100, 5)
    assert can04["achievement"] == 0.72 and can04["rag"] == "amber"
    assert can04["points"] == 10.27 and can04["earned"] == 2032.80
    assert can04["to_upper"] == 8 and can04["value_per_patient"] == 290.40
    rx = rows(db_session, users["pcn_manager"], indicator_app, orgs["U00001"])["RX-01"]
    assert rx["achievement"] == 0.25 and rx["points"] == 5 and rx["to_upper"] == 5
    assert rx["earned"] is None  # no £ per point on the indicator and no default given


def test_contract_fields(db_session, users, orgs, indicator_app, add):
    add("A00001", can04_num=30, can04_den=40)
    row = rows(db_session, users["pcn_manager"], indicator_app, orgs["U00001"])["CAN-04"]
    contract = [
        "code",
        "numerator",
        "denominator",
        "achievement",
        "lower_threshold",
        "upper_threshold",
        "rag",
        "points",
        "max_points",
        "earned",
        "potential",
        "remaining",
        "to_lower",
        "to_upper",
        "value_per_patient",
    ]
    assert set(contract) <= set(row)
    assert row["lower_threshold"] == 0.65 and row["max_points"] == 22


def test_practice_is_scoped_and_drafts_and_other_periods_left_out(
    db_session, users, orgs, indicator_app, add
):
    add("A00001", can04_num=30, can04_den=40)
    add("A00002", can04_num=500, can04_den=500, submit=False)  # a draft, same PCN
    add("A00001", "2025-05", can04_num=1, can04_den=10)
    add("A00003", can04_num=42, can04_den=60)  # another PCN
    row = rows(db_session, users["practice_manager"], indicator_app, orgs["A00001"])["CAN-04"]
    assert (row["numerator"], row["denominator"], row["achievement"]) == (30, 40, 0.75)
    pcn = rows(db_session, users["pcn_manager"], indicator_app, orgs["U00001"])["CAN-04"]
    assert (pcn["numerator"], pcn["denominator"]) == (30, 40)


def test_no_records_means_no_eligible_patients(db_session, users, orgs, indicator_app):
    row = rows(db_session, users["icb_viewer"], indicator_app, orgs["QWE"])["CAN-04"]
    assert row["achievement"] is None and row["rag"] == "none" and row["earned"] == 0
    assert row["to_upper"] is None


def test_place_money_is_the_sum_over_its_pcns(db_session, users, orgs, indicator_app, add):
    add("A00001", can04_num=30, can04_den=40)
    add("A00002", can04_num=42, can04_den=60)  # North PCN 72 / 100: £2032.80
    add("A00003", can04_num=90, can04_den=100)  # South PCN 90 / 100: £4356.00
    row = rows(db_session, users["icb_viewer"], indicator_app, orgs["PLC01"])["CAN-04"]
    assert row["achievement"] == 0.81 and row["rag"] == "green"
    assert row["earned"] == 6388.80 and row["potential"] == 8712.00
    assert row["remaining"] == 2323.20


def test_default_value_per_point(db_session, users, orgs, indicator_app, add):
    add("A00001", rx_num=25, rx_den=100)
    rx = rows(
        db_session,
        users["practice_manager"],
        indicator_app,
        orgs["A00001"],
        value_per_point=Decimal("100"),
    )["RX-01"]
    assert rx["earned"] == 500.00 and rx["potential"] == 1000.00


def test_another_pcns_practice_manager_is_forbidden(db_session, users, orgs, indicator_app):
    with pytest.raises(Forbidden):
        indicator_results(
            db_session, Access(users["practice_manager_2"]), indicator_app, orgs["A00001"], PERIOD
        )
    with pytest.raises(Forbidden):  # a practice manager may not see the PCN's figures
        indicator_results(
            db_session, Access(users["practice_manager"]), indicator_app, orgs["U00001"], PERIOD
        )


@pytest.mark.parametrize("period", ["2025", "2025-13", "2025-Q1", "June", ""])
def test_bad_period(db_session, users, orgs, indicator_app, period):
    with pytest.raises(DataInvalid) as caught:
        indicator_results(
            db_session, Access(users["pcn_manager"]), indicator_app, orgs["U00001"], period
        )
    assert [issue.pointer for issue in caught.value.issues] == ["/period"]


def test_trend_and_projection(db_session, users, orgs, indicator_app, add):
    add("A00001", "2025-04", can04_num=25, can04_den=50)
    add("A00002", "2025-04", can04_num=25, can04_den=50)  # April 50 / 100
    add("A00001", "2025-06", can04_num=52, can04_den=100)
    trend = indicator_trend(
        db_session,
        Access(users["pcn_manager"]),
        indicator_app,
        orgs["U00001"],
        "2025-04",
        "2025-06",
    )
    assert trend["org"] == "U00001" and (trend["from"], trend["to"]) == ("2025-04", "2025-06")
    can04 = next(row for row in trend["indicators"] if row["code"] == "CAN-04")
    assert [p["period"] for p in can04["series"]] == ["2025-04", "2025-05", "2025-06"]
    assert [p["achievement"] for p in can04["series"]] == [0.5, None, 0.52]
    assert can04["series"][0]["denominator"] == 100
    # +0.01 a month over two months: March is 9 months after June
    assert can04["projection"] == pytest.approx(0.61)


def test_trend_checks_its_periods(db_session, users, orgs, indicator_app):
    access = Access(users["pcn_manager"])
    with pytest.raises(DataInvalid) as caught:
        indicator_trend(db_session, access, indicator_app, orgs["U00001"], "2025-4", "2025-06")
    assert [issue.pointer for issue in caught.value.issues] == ["/from"]
    with pytest.raises(DataInvalid) as caught:
        indicator_trend(db_session, access, indicator_app, orgs["U00001"], "2025-06", "2025-04")
    assert [issue.pointer for issue in caught.value.issues] == ["/to"]


def test_results_feed_easy_wins(db_session, users, orgs, indicator_app, add):
    add("A00001", can04_num=72, can04_den=100)
    results = results_for(
        db_session, Access(users["practice_manager"]), indicator_app, orgs["A00001"], PERIOD
    )
    assert [w["code"] for w in easy_wins(results)] == ["CAN-04"]


# --- indicator_settings and the list_size pointer ---------------------------------------

ADJUSTED: dict[str, Any] = {
    "id": "adjusted_test",
    "title": "Adjusted indicators",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "properties": {
            name: {"type": "integer", "minimum": 0} for name in ("num", "den", "list_size")
        },
    },
    "indicator_settings": {"value_per_point": 100, "national_average_list_size": 40000},
    "indicators": [
        {
            "code": "LS-01",
            "title": "List-size adjusted",
            "numerator": "/num",
            "denominator": "/den",
            "lower_threshold": 0.5,
            "upper_threshold": 0.9,
            "direction": "higher",
            "max_points": 10,
            "adjustment": "list_size",
            "list_size": "/list_size",
        },
        {
            "code": "PV-01",
            "title": "Prevalence adjusted",
            "numerator": "/num",
            "denominator": "/den",
            "lower_threshold": 0.5,
            "upper_threshold": 0.9,
            "direction": "higher",
            "max_points": 10,
            "adjustment": "list_size_and_prevalence",
            "national_prevalence": 0.01,
        },
    ],
}


@pytest.fixture
def adjusted(db_session, orgs, users):
    """Store a June record of the adjusted app: ``adjusted("A00001", num=.., ...)``."""
    app = app_service.publish(
        db_session, validate_definition(ADJUSTED), [orgs["QWE"]], actor=None
    ).app
    admin = users["platform_admin"]

    def store(ods: str, **data: int) -> Any:
        record_service.create_record(
            db_session, Access(admin), app, orgs[ods], data, period=PERIOD, submit=True, actor=admin
        )
        db_session.flush()
        return app

    return store


def test_settings_are_the_defaults(db_session, users, orgs, adjusted):
    adjusted("A00001", num=35, den=50, list_size=8000)
    app = adjusted("A00002", num=35, den=50, list_size=12000)
    found = rows(db_session, users["pcn_manager"], app, orgs["U00001"])
    # 70 / 100: 5 points; list size 20000 / 40000 = 0.5 at the default £100 a point
    assert found["LS-01"]["points"] == 5 and found["LS-01"]["adjustment_applied"] is True
    assert (found["LS-01"]["earned"], found["LS-01"]["potential"]) == (250.00, 500.00)
    # 100 / (40000 * 0.01) = 0.25, whatever the list size
    assert (found["PV-01"]["earned"], found["PV-01"]["potential"]) == (125.00, 250.00)


def test_keyword_arguments_override_the_settings(db_session, users, orgs, adjusted):
    app = adjusted("A00001", num=35, den=50, list_size=8000)
    found = rows(
        db_session,
        users["practice_manager"],
        app,
        orgs["A00001"],
        value_per_point=Decimal("200"),
        national_average_list_size=16000,
    )
    # 35 / 50 = 0.7: 5 points * £200 * 8000 / 16000
    assert (found["LS-01"]["earned"], found["LS-01"]["potential"]) == (500.00, 1000.00)
    # 50 / (16000 * 0.01) = 0.3125: 5 * 200 * 0.3125
    assert found["PV-01"]["earned"] == 312.50


def test_list_size_adjustment_needs_every_records_list_size(db_session, users, orgs, adjusted):
    adjusted("A00001", num=35, den=50, list_size=8000)
    app = adjusted("A00002", num=35, den=50)  # no list size given
    found = rows(db_session, users["pcn_manager"], app, orgs["U00001"])
    assert found["LS-01"]["adjustment_applied"] is False
    assert found["LS-01"]["earned"] == 500.00  # unadjusted: 5 points * £100
    assert found["PV-01"]["adjustment_applied"] is True  # needs no list size
