"""Indicator arithmetic, hand-checked against the IIF rules in domain.md."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.indicators.arithmetic import Counts, IndicatorSpec, indicator_result
from miniapps.core.indicators.planning import (
    easy_wins,
    financial_year_end,
    missed_opportunities,
    project_year_end,
    rollup,
    with_money_of,
)

CAN04: dict[str, Any] = {
    "code": "CAN-04",
    "title": "FIT before lower-GI referral",
    "numerator": "/can04_num",
    "denominator": "/can04_den",
    "lower_threshold": 0.65,
    "upper_threshold": 0.80,
    "direction": "higher",
    "max_points": 22,
    "value_per_point": 198.0,
}
# Lower is better: e.g. a prescribing rate, LT 30 %, UT 20 %.
LOWER: dict[str, Any] = {
    **CAN04,
    "code": "RX-01",
    "lower_threshold": 0.30,
    "upper_threshold": 0.20,
    "direction": "lower",
    "max_points": 10,
    "value_per_point": 100,
}


def spec(**changes: Any) -> IndicatorSpec:
    return IndicatorSpec.from_json({**CAN04, **changes})


def result(num: int, den: int, raw: dict[str, Any] = CAN04, **kwargs: Any) -> dict[str, Any]:
    return indicator_result(IndicatorSpec.from_json(raw), Counts(num, den), **kwargs).as_json()


def test_can04_between_thresholds_hand_checked() -> None:
    row = result(72, 100)
    # points = 22 * (0.72 - 0.65) / 0.15 = 10.2667; £ = 10.2667 * 198 = 2032.80
    assert row["achievement"] == 0.72 and row["rag"] == "amber"
    assert row["points"] == 10.27
    assert row["earned"] == 2032.80 and row["potential"] == 4356.00
    assert row["remaining"] == 2323.20
    assert row["to_upper"] == 8 and row["to_lower"] == 0  # ceil(0.80 * 100 - 72)
    assert row["value_per_patient"] == 290.40  # 4356 / (0.15 * 100)
    assert row["below_lower"] is False


def test_money_comes_from_unrounded_points() -> None:
    row = result(72, 100)
    assert row["earned"] == 2032.80
    assert round(10.27 * 198, 2) == 2033.46 != row["earned"]  # what rounding first would give


def test_money_rounds_half_up_to_the_penny() -> None:
    # 1 point * £0.25 * 0.5 = £0.125 exactly: half up gives 0.13 (float round() gives 0.12)
    raw = {**CAN04, "lower_threshold": 0, "upper_threshold": 1, "max_points": 1}
    row = result(1, 2, {**raw, "value_per_point": 0.25})
    assert row["earned"] == 0.13 and row["potential"] == 0.25 and row["remaining"] == 0.12
    assert round(0.125, 2) == 0.12


def test_the_floating_point_trap_asks_for_exactly_one_patient() -> None:
    assert math.ceil(0.55 * 100 - 54) == 2  # the trap
    row = result(54, 100, {**CAN04, "lower_threshold": 0.55})
    assert row["to_lower"] == 1 and row["rag"] == "red"


def test_below_the_lower_threshold_earns_nothing_but_says_what_a_patient_will_be_worth() -> None:
    row = result(60, 100)
    assert row["rag"] == "red" and row["points"] == 0 and row["earned"] == 0
    assert row["remaining"] == 4356.00
    assert row["to_lower"] == 5 and row["to_upper"] == 20
    assert row["below_lower"] is True and row["value_per_patient"] == 290.40


def test_above_the_upper_threshold_earns_everything() -> None:
    row = result(85, 100)
    assert row["rag"] == "green" and row["points"] == 22 and row["earned"] == 4356.00
    assert row["remaining"] == 0 and row["to_upper"] == 0 and row["to_lower"] == 0
    assert row["value_per_patient"] == 0


@pytest.mark.parametrize(
    ("num", "rag", "points", "to_lower", "to_upper"),
    [(65, "amber", 0, 0, 15), (80, "green", 22, 0, 0), (64, "red", 0, 1, 16)],
)
def test_exactly_at_thresholds(num: int, rag: str, points: float, to_lower: int, to_upper: int):
    row = result(num, 100)
    assert (row["rag"], row["points"]) == (rag, points)
    assert (row["to_lower"], row["to_upper"]) == (to_lower, to_upper)


@pytest.mark.parametrize(
    ("num", "rag", "points", "earned", "to_lower", "to_upper"),
    [
        (35, "red", 0, 0, 5, 15),  # patients to come off the numerator
        (30, "amber", 0, 0, 0, 10),
        (25, "amber", 5, 500, 0, 5),  # 10 * (0.30 - 0.25) / 0.10
        (20, "green", 10, 1000, 0, 0),
        (15, "green", 10, 1000, 0, 0),
    ],
)
def test_lower_is_better_is_mirrored(
    num: int, rag: str, points: float, earned: float, to_lower: int, to_upper: int
) -> None:
    row = result(num, 100, LOWER)
    assert (row["rag"], row["points"], row["earned"]) == (rag, points, earned)
    assert (row["to_lower"], row["to_upper"]) == (to_lower, to_upper)
    assert row["below_lower"] is (rag == "red")
    if rag != "green":
        assert row["value_per_patient"] == 100.00  # 1000 / (0.10 * 100)


def test_lower_is_better_exact_patient_count() -> None:
    # UT * den = 0.2 * 30 = 6 exactly (6.000000000000001 in floating point)
    row = result(7, 30, LOWER)
    assert row["to_upper"] == 1 and row["points"] == 6.67


def test_zero_denominator_gives_no_achievement() -> None:
    row = result(0, 0)
    assert row["achievement"] is None and row["rag"] == "none" and row["points"] == 0
    assert row["earned"] == 0 and row["potential"] == 0 and row["remaining"] == 0
    assert row["to_lower"] is None and row["to_upper"] is None
    assert row["value_per_patient"] is None and row["below_lower"] is False


def test_list_size_adjustment_hand_checked() -> None:
    counts = Counts(72, 100, list_size=60000)
    raw = spec(adjustment="list_size")
    row = indicator_result(raw, counts, national_average_list_size=50000).as_json()
    # factor 60000 / 50000 = 1.2: 2032.80 * 1.2, 4356 * 1.2
    assert row["earned"] == 2439.36 and row["potential"] == 5227.20
    assert row["remaining"] == 2787.84 and row["value_per_patient"] == 348.48
    assert row["adjustment_applied"] is True


def test_list_size_and_prevalence_adjustment_hand_checked() -> None:
    counts = Counts(108, 150, list_size=60000)
    raw = spec(adjustment="list_size_and_prevalence", national_prevalence=0.002)
    row = indicator_result(raw, counts, national_average_list_size=50000).as_json()
    # list factor 1.2; PCN prevalence 150 / 60000 = 0.0025, / 0.002 = 1.25; 1.2 * 1.25 = 1.5
    assert row["achievement"] == 0.72 and row["points"] == 10.27
    assert row["earned"] == 3049.20 and row["potential"] == 6534.00
    assert row["remaining"] == 3484.80


def test_adjustment_without_its_inputs_is_not_applied() -> None:
    row = indicator_result(spec(adjustment="list_size"), Counts(72, 100)).as_json()
    assert row["earned"] == 2032.80 and row["adjustment_applied"] is False


def test_default_value_per_point_and_none_at_all() -> None:
    raw = {k: v for k, v in CAN04.items() if k != "value_per_point"}
    assert result(72, 100, raw, value_per_point=Decimal("198"))["earned"] == 2032.80
    row = result(72, 100, raw)
    assert row["earned"] is None and row["potential"] is None and row["value_per_patient"] is None
    assert row["points"] == 10.27


def test_rollup_sums_counts_not_percentages() -> None:
    total = rollup([Counts(9, 10, 1, 4000), Counts(45, 90, 3, 6000)])
    assert total == Counts(54, 100, 4, 10000)
    assert result(total.numerator, total.denominator)["achievement"] == 0.54  # not 0.70
    assert rollup([Counts(1, 2, list_size=100), Counts(1, 2)]).list_size is None
    assert rollup([]) == Counts(0, 0, 0, None)


def test_money_above_pcn_is_the_sum_over_pcns() -> None:
    can04 = spec()
    north = indicator_result(can04, Counts(72, 100))  # amber, £2032.80
    south = indicator_result(can04, Counts(90, 100))  # green, £4356
    place = with_money_of(
        indicator_result(can04, rollup([north.counts, south.counts])), [north, south]
    )
    row = place.as_json()
    assert row["achievement"] == 0.81 and row["rag"] == "green"
    assert row["earned"] == 6388.80 and row["potential"] == 8712.00 and row["remaining"] == 2323.20


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"upper_threshold": 0.5}, "/indicators/0/upper_threshold"),
        ({"direction": "lower"}, "/indicators/0/upper_threshold"),
        ({"max_points": 0}, "/indicators/0/max_points"),
        ({"adjustment": "weighted"}, "/indicators/0/adjustment"),
        ({"lower_threshold": 65}, "/indicators/0/lower_threshold"),
        ({"lower_threshold": True}, "/indicators/0/lower_threshold"),
        ({"value_per_point": -1}, "/indicators/0/value_per_point"),
        ({"national_prevalence": 0}, "/indicators/0/national_prevalence"),
        ({"numerator": "can04"}, "/indicators/0/numerator"),
        ({"direction": "up"}, "/indicators/0/direction"),
    ],
)
def test_bad_year_data_is_refused_at_its_pointer(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        IndicatorSpec.from_json({**CAN04, **changes}, at="/indicators/0")
    assert pointer in [issue.pointer for issue in caught.value.issues]


def test_missing_members_are_each_reported() -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        IndicatorSpec.from_json({"code": "X"})
    pointers = {issue.pointer for issue in caught.value.issues}
    assert {"/title", "/numerator", "/lower_threshold", "/max_points"} <= pointers


def test_thresholds_are_exact_decimals() -> None:
    parsed = spec(lower_threshold=0.55)
    assert parsed.lower_threshold == Decimal("0.55")
    assert Fraction(parsed.lower_threshold) * 100 == 55


def test_financial_year_end() -> None:
    assert financial_year_end("2025-04") == "2026-03"
    assert financial_year_end("2026-03") == "2026-03"
    assert financial_year_end("2026-01") == "2026-03"


def test_projection_is_a_least_squares_line_clamped() -> None:
    # (Apr .50, May .60, Jun .52): mean .54, slope .01 per month; March is 10 after May
    series = [("2025-04", 0.50), ("2025-05", 0.60), ("2025-06", 0.52)]
    assert project_year_end(series) == pytest.approx(0.64)
    assert project_year_end(series, fy_end="2025-07") == pytest.approx(0.56)
    rising = [("2025-04", 0.5), ("2025-05", 0.6)]
    assert project_year_end(rising) == 1.0
    assert project_year_end([("2025-04", 0.5), ("2025-05", 0.1)]) == 0.0
    assert project_year_end([("2025-04", 0.5), ("2025-05", None)]) is None
    assert project_year_end([]) is None


def test_easy_wins_rank_by_money_per_patient_and_flag_a_handful() -> None:
    can04 = indicator_result(spec(), Counts(72, 100))  # £2323.20 over 8 patients
    near = indicator_result(
        spec(code="NEAR", lower_threshold=0.55), Counts(54, 100)
    )  # red, 1 to LT, 26 to UT
    done = indicator_result(spec(code="DONE"), Counts(90, 100))
    wins = easy_wins([near, done, can04])
    assert [w["code"] for w in wins] == ["CAN-04", "NEAR"]
    assert wins[0]["gain_per_patient"] == 290.40 and wins[0]["quick_win"] is False
    assert wins[1]["next_threshold"] == "lower" and wins[1]["patients_to_next"] == 1
    assert wins[1]["quick_win"] is True and wins[1]["gain_per_patient"] == 167.54  # 4356 / 26


def test_missed_opportunities_from_projection() -> None:
    can04 = indicator_result(spec(), Counts(72, 100))
    missed = missed_opportunities([can04], {"CAN-04": 0.75})
    # at 0.75: 22 * 0.10 / 0.15 points = £2904 earned of £4356
    assert missed == [
        {
            "code": "CAN-04",
            "title": "FIT before lower-GI referral",
            "projected_achievement": 0.75,
            "projected_earned": 2904.0,
            "missed": 1452.0,
        }
    ]
    assert missed_opportunities([can04], {"CAN-04": 0.85}) == []
    assert missed_opportunities([can04], {"CAN-04": None}) == []


def test_cumulative_projection_extends_the_numerator_at_its_rate() -> None:
    from miniapps.core.indicators.planning import project_cumulative

    # 12 patients by June (3 months of the year): 4 a month, 9 more months → 48 of 100.
    monthly = [("2025-04", 4, 100), ("2025-05", 8, 100), ("2025-06", 12, 100)]
    assert project_cumulative(monthly) == pytest.approx(0.48)
    assert project_cumulative([("2025-06", 0, 0)]) is None  # no eligible patients yet
    assert project_cumulative([("2026-03", 70, 100)]) == pytest.approx(0.70)  # year's end
    assert project_cumulative([("2025-09", 90, 100)]) == 1.0  # clamped
