"""Likely coding errors: denominator jumps, numerator above denominator, far below peers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from miniapps.core.indicators.arithmetic import Counts, IndicatorSpec
from miniapps.core.indicators.coding_errors import (
    coding_checks,
    denominator_jumps,
    far_below_peers,
    numerators_above_denominators,
)


def spec(code: str = "CAN-04", direction: str = "higher") -> IndicatorSpec:
    low, high = ("0.65", "0.80") if direction == "higher" else ("0.40", "0.20")
    return IndicatorSpec(code, code, Decimal(low), Decimal(high), direction, Decimal(22))


def test_denominator_jump_beyond_the_factor_either_way() -> None:
    previous = {"A": {"X": Counts(10, 40)}, "B": {"X": Counts(10, 100)}, "C": {"X": Counts(5, 40)}}
    current = {"A": {"X": Counts(10, 81)}, "B": {"X": Counts(10, 49)}, "C": {"X": Counts(5, 80)}}
    found = denominator_jumps(current, previous)
    assert [(i.ods, i.code) for i in found] == [("A", "X"), ("B", "X")]  # C: exactly 2x
    assert found[0].message.startswith("denominator went from 40 to 81 since last month")
    assert found[0].title == "Denominator jump"


def test_denominator_from_or_to_zero_counts_only_when_large_enough() -> None:
    previous = {"A": {"X": Counts(0, 0)}, "B": {"X": Counts(3, 9)}, "C": {"X": Counts(0, 12)}}
    current = {"A": {"X": Counts(5, 10)}, "B": {"X": Counts(0, 0)}, "C": {"X": Counts(0, 0)}}
    assert [i.ods for i in denominator_jumps(current, previous)] == ["A", "C"]
    assert [i.ods for i in denominator_jumps(current, previous, min_denominator=13)] == []


def test_no_previous_month_is_no_jump() -> None:
    assert denominator_jumps({"A": {"X": Counts(1, 500)}}, {}) == []
    assert denominator_jumps({"A": {"X": Counts(1, 500)}}, {"A": {}}) == []


def test_numerator_above_denominator() -> None:
    current = {"A": {"X": Counts(5, 3), "Y": Counts(3, 3)}, "B": {"X": Counts(1, 0)}}
    found = numerators_above_denominators(current)
    assert [(i.ods, i.code) for i in found] == [("A", "X"), ("B", "X")]
    assert found[0].message == "numerator 5 is above the denominator 3"


def test_far_below_pooled_peers_higher_is_better() -> None:
    # Peers of A are B and C pooled: (36 + 20) / (50 + 50) = 56 %.
    current = {
        "A": {"CAN-04": Counts(10, 30)},  # 33.3 %: 22.7 points below: flagged
        "B": {"CAN-04": Counts(36, 50)},
        "C": {"CAN-04": Counts(20, 50)},
    }
    found = far_below_peers(current, [spec()])
    assert [i.ods for i in found] == ["A"]
    assert found[0].message.startswith("achievement 33.3% against 56.0% for the other practices")


def test_far_below_peers_exactly_at_the_gap_is_not_flagged() -> None:
    current = {"A": {"CAN-04": Counts(30, 50)}, "B": {"CAN-04": Counts(40, 50)}}  # 60 % vs 80 %
    assert far_below_peers(current, [spec()]) == []
    assert [i.ods for i in far_below_peers(current, [spec()], gap=Fraction(19, 100))] == ["A"]


def test_far_below_peers_mirrored_when_lower_is_better() -> None:
    current = {"A": {"L": Counts(30, 50)}, "B": {"L": Counts(5, 50)}}  # 60 % vs 10 %
    assert [i.ods for i in far_below_peers(current, [spec("L", "lower")])] == ["A"]


def test_small_denominators_and_lone_practices_are_left_out() -> None:
    small = {"A": {"CAN-04": Counts(0, 9)}, "B": {"CAN-04": Counts(50, 50)}}
    assert far_below_peers(small, [spec()]) == []
    alone = {"A": {"CAN-04": Counts(0, 50)}, "B": {"CAN-04": Counts(0, 0)}}
    assert far_below_peers(alone, [spec()]) == []  # B has no eligible patients: no peers


def test_coding_checks_ordered_by_indicator_then_practice_then_kind() -> None:
    specs = [spec("CAN-04"), spec("HI-03")]
    previous = {"B": {"HI-03": Counts(1, 10)}}
    current = {
        "A": {"CAN-04": Counts(10, 50), "HI-03": Counts(5, 3)},
        "B": {"CAN-04": Counts(45, 50), "HI-03": Counts(30, 40)},
    }
    found = coding_checks(current, previous, specs)
    assert [(i.code, i.ods, i.kind) for i in found] == [
        ("CAN-04", "A", "far_below_peers"),
        ("HI-03", "A", "numerator_above_denominator"),
        ("HI-03", "B", "denominator_jump"),
    ]
