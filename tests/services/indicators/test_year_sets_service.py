"""Year sets loaded centrally, and IIF results computed from them (hand-checked)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid, DefinitionInvalid
from miniapps.models import AuditEntry, IndicatorSet, Record
from miniapps.services.indicators.results import NoYearSet, indicator_results, indicator_trend
from miniapps.services.indicators.year_set_loading import UnknownApp, load_year_set
from miniapps.services.indicators.year_sets import current_row, year_set_for
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select

from tests.conftest import IIF_DIR, iif_data

PERIOD = "2025-06"


def year_file(name: str = "2025-26.json") -> dict[str, Any]:
    return json.loads((IIF_DIR / "data" / name).read_text())


@pytest.fixture
def submit(db_session, users, orgs, iif_app):
    admin = users["platform_admin"]

    def store(ods: str, data: dict[str, Any], period: str = PERIOD) -> Record:
        record = record_service.create_record(
            db_session,
            Access(admin),
            iif_app,
            orgs[ods],
            data,
            period=period,
            submit=True,
            actor=admin,
        )
        db_session.commit()
        return record

    return store


def rows(db_session, users, orgs, iif_app, ods: str, period: str = PERIOD) -> dict[str, Any]:
    result = indicator_results(
        db_session, Access(users["platform_admin"]), iif_app, orgs[ods], period
    )
    return {row["code"]: row for row in result["indicators"]}


def test_loading_versions_and_audits_and_is_idempotent(db_session, iif_app, users) -> None:
    first = current_row(db_session, "iif_tracker", "2025/26")
    assert first is not None and first.version == 1
    again = load_year_set(db_session, "iif_tracker", year_file())
    assert not again.created and again.row.version == 1
    changed = year_file()
    changed["indicators"][0]["max_points"] = 24
    outcome = load_year_set(
        db_session, "iif_tracker", changed, source="new.json", actor=users["platform_admin"]
    )
    db_session.commit()
    assert outcome.created and outcome.row.version == 2 and outcome.previous_version == 1
    in_force = year_set_for(db_session, "iif_tracker", "2026-01")
    assert in_force is not None
    can04 = in_force.spec("CAN-04")
    assert can04 is not None and can04.max_points == 24
    versions = db_session.scalar(select(func.count()).select_from(IndicatorSet))
    assert versions == 3  # 2025/26 v1 and v2, 2026/27 v1: nothing is overwritten
    audit = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "indicator_set_loaded")
    ).all()
    last = audit[-1]
    assert last.actor_id == users["platform_admin"].id
    assert last.changes[0]["old"] == 1 and last.changes[0]["new"] == 2


def test_a_bad_set_stores_nothing(db_session, iif_app) -> None:
    bad = year_file()
    bad["indicators"][0]["upper_threshold"] = 0.5
    with pytest.raises(DefinitionInvalid) as caught:
        load_year_set(db_session, "iif_tracker", bad, source="bad.json")
    assert caught.value.lines() == [
        "bad.json:/indicators/0/upper_threshold: must be greater than lower_threshold when "
        "higher is better"
    ]
    current = current_row(db_session, "iif_tracker", "2025/26")
    assert current is not None and current.version == 1


def test_unknown_app_and_apps_without_a_source_are_refused(db_session, iif_app, fridge_app) -> None:
    with pytest.raises(UnknownApp):
        load_year_set(db_session, "nope", year_file())
    with pytest.raises(DefinitionInvalid, match="does not take its indicators from year sets"):
        load_year_set(db_session, "fridge_log", year_file())


def test_practice_and_pcn_results_match_hand_arithmetic(
    submit, db_session, users, orgs, iif_app
) -> None:
    submit("A00001", iif_data(10000, CAN_04=(36, 50), HI_03=(20, 40, 3)))
    submit("A00002", iif_data(8000, CAN_04=(20, 40)))
    practice = rows(db_session, users, orgs, iif_app, "A00001")
    can = practice["CAN-04"]
    # A = 36/50 = 0.72; points = 22 x 0.07/0.15 = 10.27; list-size factor 10000/51000.
    assert can["achievement"] == pytest.approx(0.72) and can["rag"] == "amber"
    assert can["points"] == 10.27
    assert (can["earned"], can["potential"], can["remaining"]) == (398.59, 854.12, 455.53)
    assert (can["to_lower"], can["to_upper"], can["value_per_patient"]) == (0, 4, 113.88)
    hi = practice["HI-03"]
    # Below LT (0.5 < 0.6): no points; prevalence factor den / (N x P) = 40 / 229.5.
    assert (hi["rag"], hi["points"], hi["earned"], hi["potential"]) == ("red", 0, 0, 1242.35)
    assert hi["exclusions"] == 3 and hi["to_lower"] == 4
    pcn = rows(db_session, users, orgs, iif_app, "U00001")["CAN-04"]
    # Summed: 56/90 = 0.622 < LT; PCN list size 18000.
    assert (pcn["numerator"], pcn["denominator"], pcn["rag"], pcn["points"]) == (56, 90, "red", 0)
    assert (pcn["potential"], pcn["to_lower"], pcn["to_upper"]) == (1537.41, 3, 16)


def test_a_new_load_changes_results_at_once(submit, db_session, users, orgs, iif_app) -> None:
    submit("A00001", iif_data(10000, CAN_04=(36, 50)))
    changed = year_file()
    changed["value_per_point"] = 200
    load_year_set(db_session, "iif_tracker", changed)
    db_session.commit()
    can = rows(db_session, users, orgs, iif_app, "A00001")["CAN-04"]
    assert can["potential"] == 862.75  # 22 x 200 x 10000/51000


def test_codes_outside_the_year_and_impossible_counts_are_refused(submit, db_session) -> None:
    with pytest.raises(DataInvalid) as caught:
        submit("A00001", iif_data(9000, ACC_08=(1, 2)))  # a 2026/27 code, not in 2025/26
    assert [i.pointer for i in caught.value.issues] == ["/indicators/ACC-08"]
    with pytest.raises(DataInvalid) as caught:
        submit("A00001", iif_data(9000, CAN_04=(5, 4)))
    assert [i.pointer for i in caught.value.issues] == ["/indicators/CAN-04/numerator"]
    with pytest.raises(DataInvalid):
        submit("A00001", iif_data(9000, CAN_04=(-1, 4)))
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0
    record = submit("A00001", iif_data(9000, ACC_08=(1, 2)), period="2026-05")  # fine in 2026/27
    assert record.data["indicators"]["ACC-08"]["numerator"] == 1


def test_a_period_without_a_year_set_says_so(db_session, users, orgs, iif_app) -> None:
    with pytest.raises(NoYearSet) as caught:
        rows(db_session, users, orgs, iif_app, "A00001", "2024-06")
    [issue] = caught.value.issues
    assert issue.pointer == "/period" and "2024/25" in issue.message


def test_trend_and_cumulative_projection(submit, db_session, users, orgs, iif_app) -> None:
    for month, (can, hi) in {"2025-04": (30, 4), "2025-05": (33, 8), "2025-06": (36, 12)}.items():
        submit("A00001", iif_data(10000, CAN_04=(can, 50), HI_03=(hi, 40)), period=month)
    trend = indicator_trend(
        db_session, Access(users["platform_admin"]), iif_app, orgs["A00001"], "2025-04", "2025-06"
    )
    by_code = {row["code"]: row for row in trend["indicators"]}
    # CAN-04 is a straight line: 0.60, 0.66, 0.72 → +0.06 a month, 9 more months → clamp 1.
    assert by_code["CAN-04"]["projection"] == 1.0 and not by_code["CAN-04"]["accumulates"]
    # HI-03 accumulates: 12 patients in 3 months → 4 a month, 12 + 4 x 9 = 48 of 40 → 1.0;
    assert by_code["HI-03"]["accumulates"]
    assert by_code["HI-03"]["projection"] == 1.0
    [april] = [p for p in by_code["HI-03"]["series"] if p["period"] == "2025-04"]
    assert april["achievement"] == pytest.approx(0.1)


def test_denominators_do_not_need_to_be_copied_into_the_definition(iif_app) -> None:
    stored = copy.deepcopy(iif_app.versions[-1].definition)
    assert "CAN-04" not in json.dumps(stored)
